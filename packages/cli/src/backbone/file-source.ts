import { readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';

import type { ModelSource } from '@offshelf/backbone';

import { CliError } from '../errors';

/** Creates a `ModelSource` over the file system: the model file and the files beside it. */
export function fileModelSource(path: string): ModelSource {
  const folder = dirname(resolve(path));
  return {
    name: path,
    readMain: async () => new Uint8Array(await readFile(path)),
    readSibling: async (relativePath: string) => {
      const target = resolve(folder, relativePath);
      if (!target.startsWith(folder + sep)) {
        throw new CliError(`${path}: refers to ${relativePath}, which is outside the model's folder`);
      }
      try {
        return new Uint8Array(await readFile(target));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const problem = code === 'ENOENT' ? 'not found' : `unreadable (${code})`;
        throw new CliError(`${target} ${problem}; keep the weight files that ${path} lists in its folder`);
      }
    },
  };
}
