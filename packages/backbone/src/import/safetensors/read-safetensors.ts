import { ModelImportError, type Initializer } from '../../ir/graph';
import { decodeElements, isSupportedDtype, SAFETENSORS_DTYPES } from './dtypes';

/** The tensors of a safetensors file, by name, and its `__metadata__` strings. */
export interface SafetensorsContents {
  tensors: Map<string, Initializer>;
  metadata: Record<string, string>;
}

/**
 * Reads a safetensors file: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {key: string}}`, then the
 * tensor data, with offsets relative to the end of the header. Checks that the header and every
 * tensor lie inside the file and that each tensor's byte span equals its shape times its element
 * size. Throws `ModelImportError` naming the file and tensor otherwise.
 */
export function readSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  const header = parseHeader(bytes, file);
  const dataStart = 8 + header.length;
  const dataLength = bytes.length - dataStart;

  const tensors = new Map<string, Initializer>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header.json)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry, file);
      continue;
    }
    tensors.set(name, decodeEntry(name, entry, bytes.subarray(dataStart), dataLength, file));
  }
  return { tensors, metadata };
}

function parseHeader(bytes: Uint8Array, file: string): { length: number; json: Record<string, unknown> } {
  if (bytes.length < 8) {
    throw new ModelImportError(file, `not a safetensors file: it is ${bytes.length} bytes, shorter than the 8-byte header length. The file may be truncated.`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8)) {
    throw new ModelImportError(file, `safetensors header length ${length} runs past the end of the ${bytes.length}-byte file; the file is truncated or not safetensors.`);
  }

  const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(length)));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelImportError(file, `safetensors header is not valid JSON (${(error as Error).message}); the file is truncated or not safetensors.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelImportError(file, 'safetensors header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}.');
  }
  return { length: Number(length), json: json as Record<string, unknown> };
}

function parseMetadata(entry: unknown, file: string): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ModelImportError(file, 'safetensors __metadata__ must be a JSON object of strings.');
  }
  return Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, String(value)]));
}

function decodeEntry(name: string, entry: unknown, data: Uint8Array, dataLength: number, file: string): Initializer {
  const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || !isSupportedDtype(dtype)) {
    const supported = Object.keys(SAFETENSORS_DTYPES).join(', ');
    throw new ModelImportError(file, `tensor '${name}' has dtype ${JSON.stringify(dtype)}, which is not supported (supported: ${supported}).`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ModelImportError(file, `tensor '${name}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers.`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new ModelImportError(file, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] byte offsets.`);
  }

  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    throw new ModelImportError(
      file,
      `tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${dataLength} bytes of tensor data; the file is truncated or corrupt.`,
    );
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const expectedBytes = count * SAFETENSORS_DTYPES[dtype].bytes;
  if (end - begin !== expectedBytes) {
    throw new ModelImportError(
      file,
      `tensor '${name}' spans ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${expectedBytes}; the header is corrupt.`,
    );
  }

  return {
    name,
    dataType: SAFETENSORS_DTYPES[dtype].dataType,
    shape: [...(shape as number[])],
    data: decodeElements(data.subarray(begin, end), dtype, count),
  };
}
