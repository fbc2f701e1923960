import { missingFileResponse, SiblingNotFoundError, type ModelSource } from '@offshelf/backbone';

/** A model file set that cannot be used: no recognizable main file, or a download that failed. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

const MAIN_FILE_PATTERN = /\.(onnx|tflite|json)$/i;

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

/**
 * Picks the main model file among dropped files: an `.onnx` or `.tflite` file, or a
 * TF.js `model.json`; the remaining files are its siblings (TF.js weight shards,
 * ONNX external data), looked up by base name.
 */
export function modelSourceFromFiles(files: readonly File[]): ModelSource {
  if (files.length === 0) throw new ModelFileError('no model file selected: pick an .onnx, .tflite or TF.js model.json file');

  const candidates = files.filter((file) => MAIN_FILE_PATTERN.test(file.name));
  const main = candidates.find((file) => /\.(onnx|tflite)$/i.test(file.name)) ?? candidates.find((file) => file.name === 'model.json') ?? candidates[0];
  if (!main) {
    const names = files.map((file) => file.name).join(', ');
    throw new ModelFileError(`unsupported model file (${names}): pick an .onnx or .tflite file, or a TF.js model.json together with its weight shards`);
  }

  const siblings = new Map(files.filter((file) => file !== main).map((file) => [file.name, file]));
  return {
    name: main.name,
    readMain: async () => new Uint8Array(await main.arrayBuffer()),
    async readSibling(relativePath: string) {
      const sibling = siblings.get(baseName(relativePath));
      // SiblingNotFoundError lets the importer skip optional files, such as preprocessor_config.json.
      if (!sibling) {
        throw new SiblingNotFoundError(main.name, relativePath, `needs ${relativePath}, which was not among the selected files: select it together with ${main.name}`);
      }
      return new Uint8Array(await sibling.arrayBuffer());
    },
  };
}

async function fetchBytes(url: string, sibling?: { model: string; relativePath: string }): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ModelFileError(`failed to fetch ${url} (${(error as Error).message}); check the URL and that its server allows cross-origin requests (CORS)`);
  }
  const missing = sibling === undefined ? undefined : missingFileResponse(response);
  if (sibling !== undefined && missing !== undefined) {
    throw new SiblingNotFoundError(sibling.model, sibling.relativePath, `needs ${url}, for which the server returned ${missing}`);
  }
  if (!response.ok) throw new ModelFileError(`failed to fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Reads a model from a URL; siblings (weight shards, external data) resolve relative to it. */
export function modelSourceFromUrl(url: string): ModelSource {
  let base: URL;
  try {
    base = new URL(url, location.href);
  } catch {
    throw new ModelFileError(`invalid model URL "${url}": enter an absolute http(s) URL or a path on this site`);
  }
  return {
    name: base.href,
    readMain: () => fetchBytes(base.href),
    readSibling: (relativePath: string) => fetchBytes(new URL(relativePath, base).href, { model: base.href, relativePath }),
  };
}
