import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temporary files not yet renamed into place, removed on Ctrl-C or on failure. */
const pendingTempFiles = new Set<string>();

/** Returns the temporary files currently being written. */
export function pendingTemporaryFiles(): readonly string[] {
  return [...pendingTempFiles];
}

/** Removes every temporary file still being written (for interrupt handlers). */
export async function removePendingTemporaryFiles(): Promise<void> {
  await Promise.all([...pendingTempFiles].map((path) => rm(path, { force: true })));
  pendingTempFiles.clear();
}

/** Returns a temporary path beside `path`, so the final rename stays on one file system. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes `chunks` to a temporary file in the same folder as `path`, flushes it and
 * renames it over `path`, so readers never see a partial file. Creates the folder.
 */
export async function writeFileAtomic(path: string, chunks: Uint8Array | string | Array<Uint8Array | string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporaryPath = temporaryPathFor(path);
  pendingTempFiles.add(temporaryPath);

  try {
    const handle = await open(temporaryPath, 'w');
    try {
      for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) {
        await handle.writeFile(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  } finally {
    pendingTempFiles.delete(temporaryPath);
  }
}

/** Registers a temporary file written by a stream (downloads) so interrupts remove it too. */
export function trackTemporaryFile(path: string): () => void {
  pendingTempFiles.add(path);
  return () => pendingTempFiles.delete(path);
}
