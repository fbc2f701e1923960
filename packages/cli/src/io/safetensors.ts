/**
 * The safetensors file format, written and read by hand. A file is an 8-byte
 * little-endian header length, then a JSON header that maps each tensor name to
 * `{dtype, shape, data_offsets}` (byte offsets from the end of the header) and may
 * contain a `__metadata__` string map, then the raw little-endian tensor bytes.
 */
import { open } from 'node:fs/promises';

import { CliError } from '../errors';

export type SafetensorsDtype = 'F32' | 'I32' | 'U8';

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, U8: 1 };

// Tensor payloads start 8-byte aligned so readers can map them as typed arrays.
const HEADER_ALIGNMENT = 8;

function elementCount(shape: number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Serializes tensors and string metadata into safetensors bytes (header, then data). */
export function encodeSafetensors(tensors: Record<string, SafetensorsTensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;

  let offset = 0;
  const payloads: Uint8Array[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    const expectedLength = elementCount(tensor.shape);
    if (tensor.data.length !== expectedLength) {
      throw new Error(`Tensor ${name}: shape [${tensor.shape.join(', ')}] needs ${expectedLength} elements, got ${tensor.data.length}.`);
    }
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.byteLength] };
    payloads.push(bytes);
    offset += bytes.byteLength;
  }

  let headerText = JSON.stringify(header);
  const headerBytesLength = Buffer.byteLength(headerText, 'utf8');
  const padding = (HEADER_ALIGNMENT - ((8 + headerBytesLength) % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT;
  headerText += ' '.repeat(padding);
  const headerBytes = new TextEncoder().encode(headerText);

  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  return [prefix, headerBytes, ...payloads];
}

/** Parses safetensors bytes; `fileName` appears in error messages. */
export function decodeSafetensors(bytes: Uint8Array, fileName: string): SafetensorsFile {
  const fail = (reason: string): never => {
    throw new CliError(`${fileName}: not a valid safetensors file (${reason}); write it with \`offshelf extract\``);
  };

  if (bytes.byteLength < 8) fail('shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) fail(`header length ${headerLength} exceeds the file size`);

  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch {
    fail('header is not JSON');
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};

  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in BYTES_PER_ELEMENT)) fail(`tensor ${name} has dtype ${dtype}; only F32, I32 and U8 are supported`);
    const safeDtype = dtype as SafetensorsDtype;
    const [begin, end] = offsets;
    if (!(begin >= 0 && end >= begin && end <= dataLength)) fail(`tensor ${name} has data offsets [${begin}, ${end}] outside the data`);
    if (end - begin !== elementCount(shape) * BYTES_PER_ELEMENT[safeDtype]) fail(`tensor ${name} byte length does not match its shape`);

    // Copy so the typed array is aligned whatever the header length was.
    const raw = bytes.slice(dataStart + begin, dataStart + end);
    let data: SafetensorsTensor['data'] = raw;
    if (safeDtype === 'F32') data = new Float32Array(raw.buffer);
    if (safeDtype === 'I32') data = new Int32Array(raw.buffer);
    tensors.set(name, { dtype: safeDtype, shape, data });
  }

  return { tensors, metadata };
}

/**
 * Reads only the JSON header of a safetensors file (tensor entries and `__metadata__`),
 * without the tensor data. Returns undefined for a file that is missing or not safetensors.
 */
export async function readSafetensorsHeader(path: string): Promise<Record<string, unknown> | undefined> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return undefined;
  try {
    const lengthBytes = Buffer.alloc(8);
    const { bytesRead } = await file.read(lengthBytes, 0, 8, 0);
    if (bytesRead < 8) return undefined;

    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    const { size } = await file.stat();
    if (headerLength > size - 8) return undefined;

    const headerBytes = Buffer.alloc(headerLength);
    await file.read(headerBytes, 0, headerLength, 8);
    const header: unknown = JSON.parse(headerBytes.toString('utf8'));
    return typeof header === 'object' && header !== null ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}
