/**
 * Ctrl-C handling. After the first SIGINT, long loops stop after the current batch
 * (they check `interruptRequested()`) and temporary files are removed. A second
 * SIGINT exits at once with code 130.
 */
import { removePendingTemporaryFiles } from './io/atomic-write';

let requested = false;
let installed = false;

/** True once Ctrl-C was pressed. */
export function interruptRequested(): boolean {
  return requested;
}

/** Installs the SIGINT handler (once). */
export function installInterruptHandler(stream: NodeJS.WriteStream = process.stderr): void {
  if (installed) return;
  installed = true;

  process.on('SIGINT', () => {
    if (requested) {
      void removePendingTemporaryFiles().finally(() => process.exit(130));
      return;
    }
    requested = true;
    stream.write('\ninterrupt: stopping after the current batch (press Ctrl-C again to exit now)\n');
  });
}
