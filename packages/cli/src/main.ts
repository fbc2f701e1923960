/**
 * Entry point of the `offshelf` binary: parses the command line, runs the
 * command, and turns failures into one `error: ...` line and an exit code
 * (1 for failures, 2 for usage errors, 130 after Ctrl-C).
 */
import { CommanderError } from 'commander';

import { CliError, errorMessage } from './errors';
import { removePendingTemporaryFiles } from './io/atomic-write';
import { installInterruptHandler } from './interrupt';
import { buildProgram } from './program';

/** Runs the CLI on `argv` (as `process.argv`) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  installInterruptHandler();
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    await removePendingTemporaryFiles();

    // Commander has already printed its own `error: ...` line (or the help text).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;

    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (process.env.OFFSHELF_DEBUG === '1' && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }

    process.stderr.write(`error: ${errorMessage(error)}\n`);
    if (process.env.OFFSHELF_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('(set OFFSHELF_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}

// Dawn can keep the event loop alive after the device is destroyed, so exit explicitly.
main(process.argv).then((code) => process.exit(code));
