import { readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';

import { SiblingNotFoundError, type ModelSource } from '@offshelf/backbone';

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
        if (code === 'ENOENT') throw new SiblingNotFoundError(path, relativePath, `${target} not found; keep the files that ${path} refers to in its folder`);
        throw new CliError(`${target} is unreadable (${code}); fix its permissions, or remove it if the model does not need it`);
      }
    },
  };
}
