import { ModelImportError, SiblingNotFoundError } from './ir/graph';
import type { ModelSource, RgbaImage } from './source';

/**
 * Creates a `ModelSource` over bytes already in memory, such as a file read with
 * `fs.readFile` or a dropped `File`'s `arrayBuffer()`. `siblings` maps relative paths
 * (TF.js weight shards, ONNX external data) to their bytes.
 *
 * @param name - File name or URL, used for format detection by extension and in error messages.
 * @param bytes - The model file's contents.
 * @param siblings - Files next to the model, by the relative path the model names them with.
 */
export function modelSourceFromBytes(name: string, bytes: Uint8Array | ArrayBuffer, siblings: Record<string, Uint8Array | ArrayBuffer> = {}): ModelSource {
  return {
    name,
    readMain: async () => toUint8Array(bytes),
    async readSibling(relativePath: string) {
      const sibling = siblings[relativePath];
      if (!sibling) {
        const known = Object.keys(siblings);
        throw new SiblingNotFoundError(name, relativePath, `needs ${relativePath}, which is not among the sibling files given (${known.length ? known.join(', ') : 'none'}); pass it in the siblings argument of modelSourceFromBytes.`);
      }
      return toUint8Array(sibling);
    },
  };
}

/**
 * Creates a `ModelSource` that downloads the model with `fetch`; sibling files resolve
 * relative to the model's URL, as TF.js weight shards do. Works in browsers and in Node 20.
 *
 * @param url - Absolute URL of the model file (`.onnx`, `.tflite` or TF.js `model.json`).
 * @param init - Options passed to every `fetch` call, such as headers or credentials.
 */
export function modelSourceFromUrl(url: string | URL, init?: RequestInit): ModelSource {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new ModelImportError(String(url), 'invalid model URL; pass an absolute URL, for example new URL("model.onnx", location.href).');
  }

  return {
    name: base.href,
    readMain: () => fetchBytes(base, init),
    readSibling: (relativePath: string) => fetchBytes(new URL(relativePath, base), init, { model: base.href, relativePath }),
  };
}

/**
 * Reads an `ImageBitmap`'s pixels as RGBA8 through an `OffscreenCanvas`, for
 * `FeatureExtractor.extract`. Browsers and workers only: Node has no `OffscreenCanvas`.
 * Create the bitmap with `premultiplyAlpha: 'none'` so transparent pixels keep their colour.
 */
export function rgbaFromImageBitmap(bitmap: ImageBitmap): RgbaImage {
  if (typeof OffscreenCanvas === 'undefined') {
    throw new Error('rgbaFromImageBitmap needs OffscreenCanvas, which this runtime lacks; decode the image to RGBA8 pixels yourself (in Node, for example with sharp) and pass an RgbaImage.');
  }

  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('OffscreenCanvas returned no 2D context, so the ImageBitmap pixels cannot be read.');

  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, width, height);
  return { width, height, data: new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength) };
}

function toUint8Array(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

/**
 * Returns what a response for a data file returned instead of the file ('HTTP 404', 'HTTP 410' or
 * 'an HTML page'), or undefined when it may be the file. Servers that route unknown paths to a web
 * app return an HTML page for a missing file. Model sources throw SiblingNotFoundError for such
 * responses.
 */
export function missingFileResponse(response: Response): string | undefined {
  if (response.status === 404 || response.status === 410) return `HTTP ${response.status}`;
  const html = response.ok && (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html');
  return html ? 'an HTML page' : undefined;
}

/** Downloads `url`. For a sibling of `model`, a missing file (missingFileResponse) is a SiblingNotFoundError. */
async function fetchBytes(url: URL, init: RequestInit | undefined, sibling?: { model: string; relativePath: string }): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ModelImportError(url.href, `download failed (${(error as Error).message}); check the URL, the network and, in a browser, that the server allows cross-origin requests (CORS).`);
  }
  const missing = sibling === undefined ? undefined : missingFileResponse(response);
  if (sibling !== undefined && missing !== undefined) {
    throw new SiblingNotFoundError(sibling.model, sibling.relativePath, `needs ${url.href}, for which the server returned ${missing}; put the file beside the model.`);
  }
  if (!response.ok) throw new ModelImportError(url.href, `download failed: HTTP ${response.status} ${response.statusText}.`);
  return new Uint8Array(await response.arrayBuffer());
}
