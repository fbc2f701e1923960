/**
 * Downloads one file into the cache: streamed to a temporary file beside the
 * destination while its SHA-256 is computed, then renamed into place only when
 * the digest matches, so the cache never contains a partial or wrong file.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { createFolder, temporaryPathFor, trackTemporaryFile } from '../io/atomic-write';
import { CliError, errorMessage } from '../errors';
import { createProgress } from '../ui/progress';

/** Seconds a download may wait for its next bytes before it fails, unless OFFSHELF_DOWNLOAD_TIMEOUT sets another. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

export interface DownloadRequest {
  url: string;
  /** Expected hex SHA-256 of the file; omitted when the caller verifies the content itself. */
  sha256?: string;
  destination: string;
  /** Name of what is fetched, for the progress bar and messages (e.g. `model mobilenet_v2`). */
  label: string;
  quiet?: boolean;
  /** Stream for the progress bar, or for one line at the start and end where it is not a terminal (default stderr). */
  progressStream?: NodeJS.WriteStream;
  /** Seconds without new bytes before the download fails (default: OFFSHELF_DOWNLOAD_TIMEOUT, else 60). */
  idleTimeoutSeconds?: number;
}

/** The message for a file that must be fetched by hand. */
export function manualFetchHint(request: Pick<DownloadRequest, 'url' | 'sha256' | 'destination'>): string {
  const digest = request.sha256 ? ` (SHA-256 ${request.sha256})` : '';
  return `download ${request.url} on a machine with network access and put it at ${request.destination}${digest}`;
}

/** Returns the idle timeout in seconds: the request's, else OFFSHELF_DOWNLOAD_TIMEOUT, else the default. */
function idleTimeoutSeconds(request: DownloadRequest): number {
  if (request.idleTimeoutSeconds !== undefined) return request.idleTimeoutSeconds;
  const setting = process.env.OFFSHELF_DOWNLOAD_TIMEOUT;
  if (setting === undefined || setting === '') return DEFAULT_IDLE_TIMEOUT_SECONDS;
  const seconds = Number(setting);
  if (!(seconds > 0)) throw new CliError(`OFFSHELF_DOWNLOAD_TIMEOUT=${setting} is invalid: set it to a number of seconds greater than 0, or unset it`);
  return seconds;
}

/** Formats a byte count in MB with one decimal. */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Downloads `request.url` to `request.destination`, checking its SHA-256. Shows a progress bar in
 * MB on a terminal, else one line at the start and one at the end. Fails when no bytes arrive for
 * the idle timeout, so a stalled server cannot hang a run.
 */
export async function downloadFile(request: DownloadRequest): Promise<void> {
  const timeoutMs = idleTimeoutSeconds(request) * 1000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), timeoutMs);
  const restartTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), timeoutMs);
  };
  const stalled = (): string => `no data for ${timeoutMs / 1000} s (set OFFSHELF_DOWNLOAD_TIMEOUT to wait longer)`;

  try {
    let response: Response;
    try {
      response = await fetch(request.url, { redirect: 'follow', signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) throw new CliError(`cannot download ${request.label}: ${request.url} sent ${stalled()}; ${manualFetchHint(request)}`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? errorMessage(error);
      throw new CliError(`cannot download ${request.label} (${reason}, offline?): ${manualFetchHint(request)}`);
    }
    if (!response.ok || !response.body) {
      throw new CliError(
        `cannot download ${request.label}: ${request.url} returned HTTP ${response.status} ${response.statusText}; ` +
          `check the URL (OFFSHELF_MIRROR sets the server of registry files), or ${manualFetchHint(request)}`,
      );
    }
    await writeVerified(request, response, restartTimer, () => (controller.signal.aborted ? stalled() : null));
  } finally {
    clearTimeout(timer);
  }
}

/** Streams the response body into a temporary file, checks its digest and renames it into place. */
async function writeVerified(request: DownloadRequest, response: Response, restartTimer: () => void, stallReason: () => string | null): Promise<void> {
  try {
    await createFolder(dirname(request.destination));
  } catch (error) {
    throw new CliError(`cannot create the cache folder for ${request.label}: ${errorMessage(error)}; set OFFSHELF_CACHE to a folder you can write to`);
  }
  const temporaryPath = temporaryPathFor(request.destination);
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(temporaryPath, 'wx');
  } catch (error) {
    throw new CliError(`cannot write ${request.label} into ${dirname(request.destination)}: ${errorMessage(error)}; set OFFSHELF_CACHE to a folder you can write to`);
  }

  const untrack = trackTemporaryFile(temporaryPath);
  const totalBytes = Number(response.headers.get('content-length') ?? 0);
  const stream = request.progressStream ?? process.stderr;
  const progress = createProgress({ label: `downloading ${request.label}`, total: totalBytes, rateUnit: 'MB/s', scale: 1e6, quiet: request.quiet, stream });
  // Where no bar is drawn (a pipe or a log), two lines report what is fetched and when it finishes.
  const logLines = !request.quiet && !stream.isTTY;
  if (logLines) stream.write(`offshelf: downloading ${request.label} from ${request.url}${totalBytes > 0 ? ` (${megabytes(totalBytes)})` : ''}\n`);
  const hash = createHash('sha256');
  let received = 0;

  try {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        restartTimer();
        hash.update(chunk);
        received += chunk.byteLength;
        progress.increment(chunk.byteLength);
        await file.write(chunk);
      }
    } catch (error) {
      const expected = totalBytes > 0 ? ` of ${megabytes(totalBytes)}` : '';
      const reason = stallReason() ?? `the connection ended (${errorMessage(error)})`;
      throw new CliError(`download of ${request.label} from ${request.url} failed after ${megabytes(received)}${expected}: ${reason}; retry, or ${manualFetchHint(request)}`);
    }
    await file.close();
    progress.stop();

    const digest = hash.digest('hex');
    if (request.sha256 && digest !== request.sha256) {
      throw new CliError(
        `downloaded ${request.label} from ${request.url} has SHA-256 ${digest}, expected ${request.sha256}; ` +
          'the file was corrupted in transit or changed upstream, so nothing was cached; retry, or fetch it by hand and check its digest',
      );
    }
    await rename(temporaryPath, request.destination);
    if (logLines) stream.write(`offshelf: downloaded ${request.label} (${megabytes(received)}) to ${request.destination}\n`);
  } catch (error) {
    progress.stop();
    await file.close().catch(() => undefined);
    await rm(temporaryPath, { force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(`download of ${request.label} from ${request.url} failed (${errorMessage(error)}); ${manualFetchHint(request)}`);
  } finally {
    untrack();
  }
}
