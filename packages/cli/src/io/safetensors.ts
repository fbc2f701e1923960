/**
 * The safetensors file format, written and read by hand. A file is an 8-byte
 * little-endian header length, then a JSON header that maps each tensor name to
 * `{dtype, shape, data_offsets}` (byte offsets from the end of the header) and may
 * contain a `__metadata__` string map, then the raw little-endian tensor bytes.
 */
import { open } from 'node:fs/promises';

import { ModelImportError, readSafetensors } from '@offshelf/backbone';

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

/**
 * Parses safetensors bytes with the backbone's bounds-checked reader, keeping the F32 and
 * I32 tensors a features file holds. `fileName` appears in error messages.
 */
export function decodeSafetensors(bytes: Uint8Array, fileName: string): SafetensorsFile {
  let contents;
  try {
    contents = readSafetensors(bytes, fileName);
  } catch (error) {
    if (!(error instanceof ModelImportError)) throw error;
    const message = error.message.startsWith(`${fileName}: `) ? error.message.slice(fileName.length + 2) : error.message;
    // The reader's messages end in a period, which would close the parentheses below twice.
    const reason = message.replace(/\.$/, '');
    throw new CliError(`${fileName}: not a valid safetensors file (${reason}); write it with \`offshelf extract\``);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, tensor] of contents.tensors) {
    if (tensor.data instanceof Float32Array) tensors.set(name, { dtype: 'F32', shape: tensor.shape, data: tensor.data });
    else if (tensor.data instanceof Int32Array) tensors.set(name, { dtype: 'I32', shape: tensor.shape, data: tensor.data });
    else throw new CliError(`${fileName}: tensor ${name} has type ${tensor.dataType}; features files hold only F32 and I32 tensors`);
  }
  return { tensors, metadata: contents.metadata };
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
