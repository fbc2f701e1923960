/**
 * Folders the CLI reads models and data sets from, and the user cache it writes to.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CliError } from '../errors';

export type Environment = Record<string, string | undefined>;

/** Returns the repository root above this file (the folder with pnpm-workspace.yaml), if the CLI runs from one. */
export function findRepositoryRoot(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let folder = start;
  for (;;) {
    if (existsSync(join(folder, 'pnpm-workspace.yaml'))) return folder;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** Returns the folder of shared models, images and data sets: `OFFSHELF_SHARED`, else `../shared` beside the repository. */
export function sharedFolder(env: Environment = process.env): string | undefined {
  if (env.OFFSHELF_SHARED) return resolve(env.OFFSHELF_SHARED);
  const root = findRepositoryRoot();
  return root ? resolve(root, '..', 'shared') : undefined;
}

/** Returns the models folder: `OFFSHELF_MODELS`, else `models` in the shared folder. */
export function modelsFolder(env: Environment = process.env): string | undefined {
  if (env.OFFSHELF_MODELS) return resolve(env.OFFSHELF_MODELS);
  const shared = sharedFolder(env);
  return shared ? join(shared, 'models') : undefined;
}

/** Returns the data sets folder: `OFFSHELF_DATASETS`, else `datasets` in the shared folder. */
export function datasetsFolder(env: Environment = process.env): string | undefined {
  if (env.OFFSHELF_DATASETS) return resolve(env.OFFSHELF_DATASETS);
  const shared = sharedFolder(env);
  return shared ? join(shared, 'datasets') : undefined;
}

/** Returns the user cache folder: `OFFSHELF_CACHE`, else `$XDG_CACHE_HOME/offshelf`, else `~/.cache/offshelf`. */
export function cacheFolder(env: Environment = process.env): string {
  if (env.OFFSHELF_CACHE) return resolve(env.OFFSHELF_CACHE);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'offshelf');
  return join(env.HOME ?? homedir(), '.cache', 'offshelf');
}

/** True when `OFFSHELF_OFFLINE=1`: registry names resolve only from local folders and the cache. */
export function isOffline(env: Environment = process.env): boolean {
  return env.OFFSHELF_OFFLINE === '1';
}

/**
 * Returns the base URL of a mirror of the registry files (`OFFSHELF_MIRROR`, without a trailing
 * slash), or undefined. A mirror serves `models/<registry file>` and `datasets/<zip name>`.
 */
export function mirrorUrl(env: Environment = process.env): string | undefined {
  const mirror = env.OFFSHELF_MIRROR;
  if (!mirror) return undefined;
  if (!/^https?:\/\//.test(mirror)) throw new CliError(`OFFSHELF_MIRROR=${mirror} is invalid: set it to an http:// or https:// URL, or unset it`);
  return mirror.replace(/\/+$/, '');
}
