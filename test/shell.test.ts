/**
 * #15: the shell-syntax rule and TrainerCommand.shell read scripts with a parser (mvdan-sh),
 * and what they assume about the shells is measured here on the real ones: whether bash and
 * dash run a script's last command in place of themselves (so SIGTERM reaches it) or keep it
 * as a child. Each script runs `sleep 30` last as the trainer; after it starts, the shell's
 * process either is `sleep` (handed over) or has `sleep` as its child.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import { readScript, shellCommandOf } from '../src/k8s/shell';

const SCRIPTS = [
  'sleep 30',
  'cd /tmp; sleep 30',
  'cd /tmp && sleep 30',
  'false || sleep 30',
  'X=1 sleep 30',
  'set -e; sleep 30',
  'sleep 30 "$@"',
  'exec sleep 30',
  'cd /tmp && exec sleep 30',
  'sleep 30 > /dev/null',
  'trap "echo bye" TERM; sleep 30',
  'if true; then sleep 30; fi',
  '(sleep 30)',
  'sleep 30 | cat',
  'sleep 30 & wait',
  'exec > /dev/null; sleep 30',
];

async function handsOver(shell: string, script: string): Promise<boolean> {
  const child = spawn(shell, ['-c', script, 'name'], { stdio: 'ignore' });
  try {
    const pid = child.pid!;
    for (let attempt = 0; attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === 'sleep') return true;
      const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      const descendants = (pids: string[]): string[] => pids.flatMap((p) => {
        const grand = fs.existsSync(`/proc/${p}/task/${p}/children`) ? fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean) : [];
        return [p, ...descendants(grand)];
      });
      if (descendants(children).some((p) => fs.existsSync(`/proc/${p}/comm`) && fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep')) return false;
    }
    throw new Error(`${shell} -c '${script}': sleep never started`);
  } finally {
    spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
    child.kill('SIGKILL');
  }
}

const available = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0 && fs.existsSync('/proc/self/task');

describe.each(['bash', 'dash'])('%s on this machine', (shell) => {
  if (!available(shell)) {
    // CI (REQUIRE_ALL_SUITES=1) must not pass on a measurement that did not run.
    if (process.env.REQUIRE_ALL_SUITES) {
      test(`${shell} and /proc are required here`, () => { throw new Error(`no ${shell} (or no /proc) on this machine`); });
    } else {
      test.skip(`SKIPPED: no ${shell} (or no /proc) on this machine`, () => undefined);
    }
    return;
  }
  const version = spawnSync(shell === 'bash' ? 'bash' : 'dpkg-query', shell === 'bash' ? ['--version'] : ['-W', 'dash'], { encoding: 'utf8' }).stdout.split('\n')[0];

  test.each(SCRIPTS)(`${shell} -c '%s': the rule trusts a hand-over only where ${shell} really makes it`, async (script) => {
    const measured = await handsOver(shell, script);
    const reading = readScript(shellCommandOf([shell, '-c', script, 'name'])!);
    // The rule may ask for exec where the shell would hand over anyway (dash with `sh`),
    // never the other way round: a script it accepts must hand over.
    if (reading.handsOver) expect({ script, version, measured }).toEqual({ script, version, measured: true });
  });

  if (shell === 'bash') {
    test('bash: a script of one plain command hands over, and the rule trusts it; a list this bash hands over still needs exec (older releases fork for it)', async () => {
      expect(await handsOver('bash', 'sleep 30')).toBe(true);
      expect(readScript(shellCommandOf(['bash', '-c', 'sleep 30'])!).handsOver).toBe(true);
      // This machine's bash 5 runs the last command of a list in place too; the image's bash may not.
      expect({ version, measured: await handsOver('bash', 'cd /tmp && sleep 30') }).toEqual({ version, measured: true });
      expect(readScript(shellCommandOf(['bash', '-c', 'cd /tmp && sleep 30'])!).handsOver).toBe(false);
      expect(readScript(shellCommandOf(['bash', '-c', 'cd /tmp && exec sleep 30'])!).handsOver).toBe(true);
    });
  }

  if (shell === 'dash') {
    test("dash forks even for a script of one command: 'sh -c \"python train.py\"' keeps the shell in front", async () => {
      expect(await handsOver('dash', 'sleep 30')).toBe(false);
    });
  }
});
