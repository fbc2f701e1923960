/**
 * Downloads one file into the cache: streamed to a temporary file beside the
 * destination while its SHA-256 is computed, then renamed into place only when
 * the digest matches, so the cache never contains a partial or wrong file.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { createFolder, temporaryPathFor, trackTemporaryFile } from '../io/atomic-write';
import { CliError, errorMessage } from '../errors';
import { createProgress } from '../ui/progress';

export interface DownloadRequest {
  url: string;
  /** Expected hex SHA-256 of the file; omitted when the caller verifies the content itself. */
  sha256?: string;
  destination: string;
  /** Name of what is fetched, for the progress bar and messages (e.g. `model mobilenet_v2`). */
  label: string;
  quiet?: boolean;
  /** Stream for the progress bar (default stderr; the bar is shown only on a terminal). */
  progressStream?: NodeJS.WriteStream;
}

/** The message for a file that must be fetched by hand. */
export function manualFetchHint(request: Pick<DownloadRequest, 'url' | 'sha256' | 'destination'>): string {
  const digest = request.sha256 ? ` (SHA-256 ${request.sha256})` : '';
  return `download ${request.url} on a machine with network access and put it at ${request.destination}${digest}`;
}

/** Downloads `request.url` to `request.destination`, checking its SHA-256; shows a progress bar in MB. */
export async function downloadFile(request: DownloadRequest): Promise<void> {
  let response: Response;
  try {
    response = await fetch(request.url, { redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? errorMessage(error);
    throw new CliError(`cannot download ${request.label} (${reason}, offline?): ${manualFetchHint(request)}`);
  }
  if (!response.ok || !response.body) {
    throw new CliError(`cannot download ${request.label}: ${request.url} returned HTTP ${response.status} ${response.statusText}; ${manualFetchHint(request)}`);
  }

  try {
    await createFolder(dirname(request.destination));
  } catch (error) {
    throw new CliError(`cannot create the cache folder for ${request.label}: ${errorMessage(error)}; set OFFSHELF_CACHE to a folder you can write to`);
  }
  const temporaryPath = temporaryPathFor(request.destination);
  const untrack = trackTemporaryFile(temporaryPath);
  const totalBytes = Number(response.headers.get('content-length') ?? 0);
  const progress = createProgress({ label: `downloading ${request.label}`, total: totalBytes, rateUnit: 'MB/s', scale: 1e6, quiet: request.quiet, stream: request.progressStream });
  const hash = createHash('sha256');

  try {
    const file = createWriteStream(temporaryPath);
    const finished = new Promise<void>((resolvePromise, reject) => {
      file.on('finish', resolvePromise);
      file.on('error', reject);
    });
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      progress.increment(chunk.byteLength);
      if (!file.write(chunk)) await new Promise<void>((resolveDrain) => file.once('drain', () => resolveDrain()));
    }
    file.end();
    await finished;
    progress.stop();

    const digest = hash.digest('hex');
    if (request.sha256 && digest !== request.sha256) {
      throw new CliError(
        `downloaded ${request.label} from ${request.url} has SHA-256 ${digest}, expected ${request.sha256}; ` +
          'the file was corrupted in transit or changed upstream, so nothing was cached; retry, or fetch it by hand and check its digest',
      );
    }
    await rename(temporaryPath, request.destination);
  } catch (error) {
    progress.stop();
    await rm(temporaryPath, { force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(`download of ${request.label} from ${request.url} failed (${errorMessage(error)}); ${manualFetchHint(request)}`);
  } finally {
    untrack();
  }
}
