/** The Node tuning cache: one JSON file in the user cache folder with a table per adapter. */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { TuningCache, TuningTable } from '@offshelf/core-wgsl';

import { writeFileAtomic } from '../io/atomic-write';
import { cacheFolder, type Environment } from '../registry/paths';

/** Version of the file layout: `{ version, adapters: { [adapterKey]: TuningTable } }`. */
const FORMAT_VERSION = 1;

interface TuningFile {
  version: number;
  adapters: Record<string, TuningTable>;
}

/** Returns the tuning cache file: `tuning.json` in the user cache folder. */
export function tuningCachePath(env: Environment = process.env): string {
  return join(cacheFolder(env), 'tuning.json');
}

/**
 * A tuning cache in a JSON file, written atomically (temporary file, then rename) so a
 * crash or a concurrent reader never sees half a file. A missing, invalid (not JSON) or
 * other-version file reads as empty and is replaced on the next save.
 */
export class FileTuningCache implements TuningCache {
  constructor(readonly path: string = tuningCachePath()) {}

  async load(adapterKey: string): Promise<TuningTable> {
    return (await this.read()).adapters[adapterKey] ?? {};
  }

  // NOTE: two processes saving at once both read, then rename over each other, so one table may be lost (not corrupted).
  async save(adapterKey: string, table: TuningTable): Promise<void> {
    const contents = await this.read();
    contents.adapters[adapterKey] = table;
    await writeFileAtomic(this.path, `${JSON.stringify(contents, null, 2)}\n`);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }

  private async read(): Promise<TuningFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: FORMAT_VERSION, adapters: {} };
      throw error;
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
