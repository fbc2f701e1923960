import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { SiblingNotFoundError } from '../../src/ir/graph';
import type { ModelSource } from '../../src/source';

/** A `ModelSource` over the local file system, as the CLI provides one. */
export function fileSource(path: string): ModelSource {
  return {
    name: path,
    readMain: async () => new Uint8Array(await readFile(path)),
    readSibling: async (relativePath) => new Uint8Array(await readFile(join(dirname(path), relativePath))),
  };
}

/** A `ModelSource` over bytes in memory, with optional sibling files. */
export function memorySource(name: string, bytes: Uint8Array, siblings: Record<string, Uint8Array> = {}): ModelSource {
  return {
    name,
    readMain: async () => bytes,
    readSibling: async (relativePath) => {
      const data = siblings[relativePath];
      if (!data) throw new SiblingNotFoundError(name, relativePath, `no such file '${relativePath}'`);
      return data;
    },
  };
}

/** Root of the shared models and images (`OFFSHELF_SHARED`, default ../shared from the repository root). */
export const SHARED = process.env.OFFSHELF_SHARED ?? resolve(__dirname, '../../../../../shared');
export const CORAL_ONNX = join(SHARED, 'models/onnx/mobilenet_v2_1.0_224_coral.onnx');
export const CORAL_TFLITE = join(SHARED, 'models/coral/mobilenet_v2_1.0_224_quant.tflite');
export const OPEN_IMAGES = join(SHARED, 'images/open-images');
