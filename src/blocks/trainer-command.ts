import { invalid } from './errors';
import { plainCommand, readScript } from '../k8s/shell';

/**
 * Commands for the trainer container.
 *
 * Kubernetes runs `command` and `args` without a shell (only `$(VAR)` is expanded). When a value has to be
 * computed by a shell (a date window, a glob), wrap the command with `TrainerCommand.shell`:
 * it runs `/bin/sh -c` and `exec`s the trainer, so SIGTERM reaches the trainer and its
 * emergency checkpoint runs.
 */
export class TrainerCommand {
  /**
   * `['/bin/sh', '-c', 'exec <script>']`. A script that already uses `exec` (for example
   * `export X=$(...); exec python train.py`) is kept as it is.
   * @param script a shell command line that ends by running the trainer
   */
  public static shell(script: string): string[] {
    const trimmed = script.trim();
    if (trimmed === '') {
      throw invalid('TrainerCommand.shell', 'TrainerCommand.shell: the script is empty; pass the command line that runs the trainer.');
    }
    const reading = readScript({ shell: 'sh', script: trimmed, scriptIndex: 2, params: [] });
    if (reading.error !== undefined) {
      throw invalid('TrainerCommand.shell', `TrainerCommand.shell: '${trimmed}' is not valid shell (${reading.error}).`);
    }
    if (reading.handsOver) return ['/bin/sh', '-c', trimmed];
    if (!plainCommand(trimmed)) {
      throw invalid('TrainerCommand.shell',
        `TrainerCommand.shell: '${trimmed}' does not end by running the trainer with 'exec' (it runs several commands, a pipeline, ` +
        "a redirection or an assignment prefix); put 'exec' before the trainer " +
        "(e.g. 'export START=$(date -u +%F); exec python train.py --start \"$START\"') so SIGTERM reaches it.",
      );
    }
    return ['/bin/sh', '-c', `exec ${trimmed}`];
  }

  private constructor() {}
}
