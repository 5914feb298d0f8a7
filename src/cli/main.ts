#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatJunit, formatSarif, formatText, toolVersion } from './formats';
import { lint } from './lint';
import { KubernetesVersion } from '../blocks/kubernetes-version';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../findings/config';
import { STRICT_SCHEMAS_FILE, StrictSchemas } from '../findings/strict-schemas';

const FORMATS = ['text', 'json', 'sarif', 'junit'];

const EXIT_CODES = 'Exit codes: 0 no errors, 1 errors (or warnings with --fail-on-warnings), 2 bad usage or configuration.';

interface LintFlags {
  readonly format: string;
  readonly failOnWarnings?: boolean;
  readonly config?: string;
  readonly kubernetesVersion: number;
  readonly strict?: boolean;
}

/** `1.N` to the minor version, for a version this library knows. */
function kubernetesMinor(value: string): number {
  const match = /^1\.(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('it must look like 1.28.');
  try {
    return KubernetesVersion.of(Number(match[1])).minor;
  } catch {
    throw new InvalidArgumentError(`${value} is not a version this library knows: use ${KubernetesVersion.V1_28} to ${KubernetesVersion.newest()}.`);
  }
}

/**
 * Runs the command line (commander parses it: `--`, `-` for stdin, `--help` on every
 * command); returns the exit code. Never throws.
 */
export function main(argv: string[], out: (text: string) => void, err: (text: string) => void, readStdin?: () => Buffer): number {
  let code = 0;
  const program = new Command('cdk8s-training')
    .description('Rules for Kubernetes training workloads that survive spot preemption and node loss.')
    .version(toolVersion(), '-v, --version', 'print the version')
    .configureOutput({ writeOut: out, writeErr: err })
    .showHelpAfterError()
    .exitOverride();
  program.command('lint')
    .description('Run the cdk8s-training rules over Kubernetes manifests (multi-document YAML or JSON).')
    .argument('<paths...>', 'files, folders (recursively: *.yaml, *.yml, *.json), or - for standard input')
    .addOption(new Option('--format <format>', 'output format: sarif for code scanning, junit for CI test reports').choices(FORMATS).default('text'))
    .option('--fail-on-warnings', 'exit 1 on warnings too')
    .option('--config <file>', `rules to include or exclude, severity overrides, paths to skip (default: ${DEFAULT_CONFIG_FILE} in the working folder, if present)`)
    .addOption(new Option('--kubernetes-version <1.N>', 'target version for version-gated fields').argParser(kubernetesMinor).default(KubernetesVersion.DEFAULT.minor, String(KubernetesVersion.DEFAULT)))
    .option('--strict', 'also validate every object against the Kubernetes OpenAPI and the training operators\' CRDs shipped with the package: unknown fields, wrong types, missing required fields')
    .addHelpText('after', `\n${EXIT_CODES}`)
    .exitOverride()
    .action((paths: string[], flags: LintFlags) => {
      code = runLint(paths, flags, out, err, readStdin);
    });
  program.addHelpText('after', `\n${EXIT_CODES}`);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 2;
    }
    program.parse(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, `help lint` and --version end the parse with a CommanderError too, exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    err(`cdk8s-training: internal error: ${(error as Error).message}\n`);
    return 2;
  }
}

function runLint(paths: string[], flags: LintFlags, out: (text: string) => void, err: (text: string) => void, readStdin?: () => Buffer): number {
  let config;
  try {
    config = loadConfig(flags.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`cdk8s-training lint: ${error.message}\n`);
    return 2;
  }
  let strict: StrictSchemas | undefined;
  if (flags.strict) {
    strict = StrictSchemas.load();
    if (strict === undefined) {
      err(`cdk8s-training lint: --strict needs ${STRICT_SCHEMAS_FILE}, which this installation lacks; reinstall the package.\n`);
      return 2;
    }
  }
  const report = lint(paths, { kubernetesMinor: flags.kubernetesVersion, readStdin, config, strict });
  out(flags.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : flags.format === 'sarif' ? formatSarif(report)
    : flags.format === 'junit' ? formatJunit(report) : formatText(report));
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  return errors > 0 || (flags.failOnWarnings && warnings > 0) ? 1 : 0;
}

if (require.main === module) {
  // `cdk8s-training lint ... | head`: a reader that stops early is not an error to report.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
}
