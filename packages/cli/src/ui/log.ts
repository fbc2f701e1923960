/** Status lines on stderr, so stdout carries only results (tables, JSON, CSV). */
export interface Log {
  /** A progress or summary line, hidden by `--quiet`. */
  info(message: string): void;
  /** A skipped file or other problem that does not stop the run; always shown. */
  warn(message: string): void;
}

export function createLog(quiet: boolean | undefined, stream: NodeJS.WritableStream = process.stderr): Log {
  return {
    info: (message) => {
      if (!quiet) stream.write(`${message}\n`);
    },
    warn: (message) => stream.write(`warning: ${message}\n`),
  };
}
