/**
 * Errors the CLI reports as one `error: ...` line. Anything else is a bug and
 * prints its stack trace only when `OFFSHELF_DEBUG=1`.
 */

/** A failure caused by the user's input or environment, with a message that names the fix. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad command line: unknown option, missing argument or invalid value (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The run was interrupted by Ctrl-C (exit code 130, as shells report SIGINT). */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted: stopped after the current batch, no output written', 130);
    this.name = 'InterruptedError';
  }
}

/** Returns the message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
