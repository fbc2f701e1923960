/**
 * Progress bars on stderr (count, rate, ETA), shown only when stderr is a terminal
 * and `--quiet` is off, so pipes and logs stay clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Advances by `count` items. */
  increment(count?: number): void;
  /** Sets a new total when it becomes known (downloads without a length start at 0). */
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Unit shown after the rate, e.g. `img/s` or `MB/s`. */
  rateUnit: string;
  /** Divisor applied to counts for display (1e6 shows bytes as MB). */
  scale?: number;
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
}

const silentProgress: Progress = { increment() {}, setTotal() {}, stop() {} };

/** Creates a progress bar, or a silent one when output is not a terminal or `quiet` is set. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY) return silentProgress;

  const scale = options.scale ?? 1;
  const startTime = Date.now();
  let value = 0;
  let total = options.total;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label} [{bar}] {shown}/{shownTotal} | {rate} ${options.rateUnit} | ETA {eta_formatted}`,
      barCompleteChar: '=',
      barIncompleteChar: ' ',
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.legacy,
  );

  const payload = () => {
    const seconds = Math.max((Date.now() - startTime) / 1000, 1e-3);
    const digits = scale === 1 ? 0 : 1;
    return {
      shown: (value / scale).toFixed(digits),
      // A download without a Content-Length has no total until it ends.
      shownTotal: total > 0 ? (total / scale).toFixed(digits) : '?',
      rate: (value / scale / seconds).toFixed(1),
    };
  };

  bar.start(options.total, 0, payload());
  return {
    increment(count = 1) {
      value += count;
      bar.update(value, payload());
    },
    setTotal(newTotal) {
      total = newTotal;
      bar.setTotal(newTotal);
    },
    stop() {
      bar.stop();
    },
  };
}
