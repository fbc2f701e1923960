/**
 * Ctrl-C handling. After the first SIGINT, long loops stop after the current batch
 * (they check `interruptRequested()`) and temporary files are removed. A second
 * SIGINT exits at once with code 130. SIGTERM and SIGHUP (a `kill`, a closed terminal)
 * remove the temporary files and exit at once, with 143 and 129 as shells report them.
 */
import { removePendingTemporaryFiles } from './io/atomic-write';

let requested = false;
let installed = false;

/** True once Ctrl-C was pressed. */
export function interruptRequested(): boolean {
  return requested;
}

/** Installs the SIGINT, SIGTERM and SIGHUP handlers (once). */
export function installInterruptHandler(stream: NodeJS.WriteStream = process.stderr): void {
  if (installed) return;
  installed = true;

  process.on('SIGINT', () => {
    if (requested) {
      void removePendingTemporaryFiles().finally(() => process.exit(130));
      return;
    }
    requested = true;
    stream.write('\ninterrupt: stopping after the current batch or fit (press Ctrl-C again to exit now)\n');
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      void removePendingTemporaryFiles().finally(() => process.exit(code));
    });
  }
}
