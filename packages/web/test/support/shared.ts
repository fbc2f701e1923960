import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The folder with the real models, images and data sets (set by the vitest config). */
export const SHARED_DIR = process.env.OFFSHELF_SHARED ?? '../shared';

/** Resolves a path inside the shared folder and fails with the setting to fix when it is missing. */
export function sharedPath(relativePath: string): string {
  const path = join(SHARED_DIR, relativePath);
  if (!existsSync(path)) {
    throw new Error(`${path} not found: set OFFSHELF_SHARED to the folder with models/, images/ and datasets/`);
  }
  return path;
}
