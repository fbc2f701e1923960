/** The Node tuning cache: one JSON file in the user cache folder with a table per adapter. */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { TuningCache, TuningTable } from '@offshelf/core-wgsl';

import { CliError, errorMessage } from '../errors';
import { createFolder, writeFileAtomic } from '../io/atomic-write';
import { cacheFolder, type Environment } from '../registry/paths';

/** Version of the file layout: `{ version, adapters: { [adapterKey]: TuningTable } }`. */
const FORMAT_VERSION = 1;

interface TuningFile {
  version: number;
  adapters: Record<string, TuningTable>;
}

// A save keeps `<file>.lock` while it reads, merges and writes, a few milliseconds. A lock older
// than this is left over from a process that died while saving, and the next save removes it.
const STALE_LOCK_MS = 10_000;
const LOCK_RETRY_MS = 20;

/**
 * Creates `path` as a lock file, waiting while another process holds it, and returns the
 * function that releases it.
 */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  await createFolder(dirname(path));
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const lock = await stat(path).catch(() => null);
    if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) await rm(path, { force: true });
    else await sleep(LOCK_RETRY_MS);
  }
}

/** Returns the tuning cache file: `tuning.json` in the user cache folder. */
export function tuningCachePath(env: Environment = process.env): string {
  return join(cacheFolder(env), 'tuning.json');
}

/**
 * A tuning cache in a JSON file, written atomically (temporary file, then rename) so a
 * crash or a concurrent reader never sees half a file. Saves from several processes take turns
 * through a lock file and merge their entries into what is on disk. A missing, invalid (not
 * JSON) or other-version file reads as empty and is replaced on the next save.
 */
export class FileTuningCache implements TuningCache {
  constructor(readonly path: string = tuningCachePath()) {}

  async load(adapterKey: string): Promise<TuningTable> {
    return (await this.read()).adapters[adapterKey] ?? {};
  }

  /**
   * Stores `table` as `adapterKey`'s table. Entries that another process saved since `table` was
   * loaded stay, and where both have a key, `table`'s entry wins.
   */
  async save(adapterKey: string, table: TuningTable): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await acquireLock(`${this.path}.lock`);
    } catch (error) {
      throw new CliError(`cannot save the tuning cache ${this.path}: ${errorMessage(error)}; set OFFSHELF_CACHE to a folder you can write to`);
    }
    try {
      const contents = await this.read();
      contents.adapters[adapterKey] = { ...contents.adapters[adapterKey], ...table };
      await writeFileAtomic(this.path, `${JSON.stringify(contents, null, 2)}\n`, 'set OFFSHELF_CACHE to a folder you can write to');
    } finally {
      await release();
    }
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }

  /** Returns whether the cache file exists. */
  async exists(): Promise<boolean> {
    return stat(this.path).then(() => true, () => false);
  }

  private async read(): Promise<TuningFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: FORMAT_VERSION, adapters: {} };
      throw new CliError(
        `cannot read the tuning cache ${this.path}: ${errorMessage(error)}; set OFFSHELF_CACHE to a folder you can write to, or pass --tuning off`,
      );
    }

    try {
      const parsed = JSON.parse(text) as Partial<TuningFile>;
      if (parsed.version === FORMAT_VERSION && parsed.adapters && typeof parsed.adapters === 'object') {
        return { version: FORMAT_VERSION, adapters: parsed.adapters };
      }
    } catch {
      // A truncated or hand-edited file is only a cache: tuning again rebuilds it.
    }
    return { version: FORMAT_VERSION, adapters: {} };
  }
}
