#!/usr/bin/env node
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from './config';
import { formatJunit, formatSarif, formatText, lint, toolVersion } from './lint';

const FORMATS = ['text', 'json', 'sarif', 'junit'];
import { KubernetesVersion } from '../kubernetes-version';

const USAGE = `Usage: cdk8s-training lint [options] <files, folders, or - for stdin...>
       cdk8s-training --version

Runs the cdk8s-training rules over Kubernetes manifests (multi-document YAML or JSON).

Options:
  --format text|json|sarif|junit
                            output format (default: text; sarif for code scanning, junit for CI test reports)
  --fail-on-warnings        exit 1 on warnings too
  --config FILE             rules to include or exclude, severity overrides, paths to skip
                            (default: ${DEFAULT_CONFIG_FILE} in the working folder, if present)
  --kubernetes-version 1.N  target version for version-gated fields (default: 1.28)
  -h, --help                show this help

Exit codes: 0 no errors, 1 errors (or warnings with --fail-on-warnings), 2 bad usage.
`;

/** Runs the command line; returns the exit code. Never throws. */
export function main(argv: string[], out: (text: string) => void, err: (text: string) => void, readStdin?: () => Buffer): number {
  try {
    const [command, ...rest] = argv;
    if (command === '--version' || command === '-v') {
      out(`${toolVersion()}\n`);
      return 0;
    }
    if (command === '-h' || command === '--help' || command === undefined) {
      (command === undefined ? err : out)(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command !== 'lint') {
      err(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
    }
    let format = 'text';
    let failOnWarnings = false;
    let minor = 28;
    let configFile: string | undefined;
    const paths: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      if (arg === '-h' || arg === '--help') {
        out(USAGE);
        return 0;
      } else if (arg === '--format') {
        format = rest[++i];
        if (!FORMATS.includes(format)) {
          err(`--format must be one of ${FORMATS.join(', ')}, not '${format}'\n`);
          return 2;
        }
      } else if (arg === '--config') {
        configFile = rest[++i];
        if (configFile === undefined) {
          err(`--config needs a file\n\n${USAGE}`);
          return 2;
        }
      } else if (arg === '--fail-on-warnings') {
        failOnWarnings = true;
      } else if (arg === '--kubernetes-version') {
        const match = /^1\.(\d+)$/.exec(rest[++i] ?? '');
        if (!match) {
          err(`--kubernetes-version must look like 1.28, not '${rest[i]}'\n`);
          return 2;
        }
        try {
          minor = KubernetesVersion.of(Number(match[1])).minor;
        } catch {
          err(`--kubernetes-version ${rest[i]} is not a version this library knows: use ${KubernetesVersion.V1_28} to ${KubernetesVersion.newest()}.\n`);
          return 2;
        }
      } else if (arg.startsWith('-') && arg !== '-') {
        err(`unknown option '${arg}'\n\n${USAGE}`);
        return 2;
      } else {
        paths.push(arg);
      }
    }
    if (paths.length === 0) {
      err(`no files or folders given\n\n${USAGE}`);
      return 2;
    }
    let config;
    try {
      config = loadConfig(configFile);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      err(`cdk8s-training lint: ${error.message}\n`);
      return 2;
    }
    const report = lint(paths, { kubernetesMinor: minor, readStdin, config });
    out(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'sarif' ? formatSarif(report)
      : format === 'junit' ? formatJunit(report) : formatText(report));
    const errors = report.findings.filter((f) => f.severity === 'error').length;
    const warnings = report.findings.length - errors;
    return errors > 0 || (failOnWarnings && warnings > 0) ? 1 : 0;
  } catch (error) {
    err(`cdk8s-training: internal error: ${(error as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text));
}
