import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { CliError, errorMessage } from '../errors';

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
 * Returns the nearest of `path` and its parents that exists, with its stat (null when not even
 * the root exists), and the paths below it that do not, deepest first.
 */
async function nearestExisting(path: string): Promise<{ path: string; info: Stats | null; missing: string[] }> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    const info = await stat(current).catch(() => null);
    if (info) return { path: current, info, missing };
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) return { path: current, info: null, missing };
    current = parent;
  }
}

/**
 * Creates `folder` and its missing parents, like `mkdir -p`. Node 20's recursive mkdir never
 * returned for a new folder under /proc, which exists but takes no children, so this creates one
 * level at a time and fails there with the system's error.
 */
export async function createFolder(folder: string): Promise<void> {
  const nearest = await nearestExisting(resolve(folder));
  if (nearest.info && !nearest.info.isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${folder}' (${nearest.path} is a file)`), { code: 'ENOTDIR' });
  }

  for (const path of nearest.missing.reverse()) {
    try {
      await mkdir(path);
    } catch (error) {
      // Another process may have created it meanwhile. A dangling symlink also reports EEXIST,
      // and then the next level fails with ENOENT.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Checks that `path` can be written as a file before any long work: it is not a folder, its
 * nearest existing parent is a folder, and a file can be created and removed there. `option`
 * names the command-line option in the error, such as `-o`.
 */
export async function checkOutputFile(path: string, option = '-o'): Promise<void> {
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) {
    throw new CliError(`${option} ${path}: is a folder; pass a file path, for example inside it`);
  }

  const { path: folder, info } = await nearestExisting(dirname(path));
  if (info && !info.isDirectory()) {
    throw new CliError(`${option} ${path}: ${folder} is a file, not a folder; choose another output path`);
  }

  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EROFS') {
      throw new CliError(`${option} ${path}: ${folder} is on a read-only file system; choose another output path`);
    }
    throw new CliError(`${option} ${path}: no permission to write in ${folder}; choose a folder you can write to`);
  }

  // The permission check is not the whole story: /proc passes it for root but rejects new
  // files, so create one and remove it.
  const probe = temporaryPathFor(join(folder, basename(path)));
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
  } catch (error) {
    throw new CliError(`${option} ${path}: cannot create a file in ${folder} (${errorMessage(error)}); choose another output path`);
  }
  await rm(probe, { force: true });
}

/**
 * Rewords a failed write of `path` as a CliError naming the path and the fix: `fix` where given,
 * else one for the usual causes.
 */
function writeError(path: string, error: unknown, fix?: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && fix !== undefined) return new CliError(`cannot write ${path}: ${fix} (${errorMessage(error)})`);
  const fixes: Record<string, string> = {
    EISDIR: 'it is a folder; pass a file path',
    ENOTDIR: 'a parent of it is a file, not a folder; choose another output path',
    EEXIST: 'a parent of it is a file, not a folder; choose another output path',
    EACCES: `no permission to write in ${dirname(path)}; choose a folder you can write to`,
    EPERM: `no permission to write in ${dirname(path)}; choose a folder you can write to`,
    EROFS: `${dirname(path)} is on a read-only file system; choose another output path`,
    ENOSPC: 'the disk is full; free some space or choose another output path',
  };
  if (code === undefined) return error;
  return new CliError(`cannot write ${path}: ${fixes[code] ?? 'choose another output path'} (${errorMessage(error)})`);
}

/**
 * Writes `chunks` to a temporary file in the same folder as `path`, flushes it and
 * renames it over `path`, so readers never see a partial file. Creates the folder. A failed
 * write throws a CliError that names `path` and `fix`, or a fix for the usual causes.
 */
export async function writeFileAtomic(path: string, chunks: Uint8Array | string | Array<Uint8Array | string>, fix?: string): Promise<void> {
  try {
    await createFolder(dirname(path));
  } catch (error) {
    throw writeError(path, error, fix);
  }
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
    // A failed removal must not hide why the write failed.
    await rm(temporaryPath, { force: true }).catch(() => undefined);
    throw writeError(path, error, fix);
  } finally {
    pendingTempFiles.delete(temporaryPath);
  }
}

/** Registers a temporary file written by a stream (downloads) so interrupts remove it too. */
export function trackTemporaryFile(path: string): () => void {
  pendingTempFiles.add(path);
  return () => pendingTempFiles.delete(path);
}
