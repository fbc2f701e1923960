import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { ModelSource } from '@offshelf/backbone';

/** Reads a model and its siblings from the file system, for the Node side of the tests. */
export function fileModelSource(path: string): ModelSource {
  return {
    name: path,
    readMain: async () => new Uint8Array(await readFile(path)),
    readSibling: async (relativePath) => new Uint8Array(await readFile(join(dirname(path), relativePath))),
  };
}
