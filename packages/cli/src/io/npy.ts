/**
 * NumPy `.npy` files, float32 little-endian in C order only. A file is the magic
 * string `\x93NUMPY`, a version, and a header length (uint16 in version 1.0, uint32
 * in 2.0 and 3.0). Then comes a Python dict literal `{'descr': '<f4',
 * 'fortran_order': False, 'shape': (...), }` padded with spaces to a 64-byte
 * boundary, then the data.
 */
import { CliError } from '../errors';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

// numpy pads the header so the data starts on a 64-byte boundary.
const HEADER_ALIGNMENT = 64;

/** Serializes a float32 array as a version 1.0 `.npy` file. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((product, dim) => product * dim, 1);
  if (count !== array.data.length) {
    throw new Error(`Shape [${array.shape.join(', ')}] needs ${count} elements, got ${array.data.length}.`);
  }

  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((HEADER_ALIGNMENT - (unpadded % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT) + '\n';

  const out = new Uint8Array(MAGIC.length + 4 + header.length + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), 10 + header.length);
  return out;
}

/** Parses a `.npy` file; rejects anything but little-endian float32 in C order. */
export function decodeNpy(bytes: Uint8Array, fileName: string): NpyArray {
  const fail = (reason: string): never => {
    throw new CliError(`${fileName}: ${reason}`);
  };

  if (bytes.byteLength < 10 || !MAGIC.every((byte, i) => bytes[i] === byte)) fail('not a NumPy .npy file (missing the \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : major === 2 || major === 3 ? view.getUint32(8, true) : fail(`unsupported .npy version ${major}`);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortranOrder = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortranOrder === undefined || shapeText === undefined) fail(`invalid .npy header ${JSON.stringify(header.trim())}`);

  if (descr !== '<f4') {
    fail(`dtype ${descr} is not supported; save the array as little-endian float32 (numpy: \`np.save(path, x.astype('<f4'))\`)`);
  }
  if (fortranOrder === 'True') fail('array is in Fortran order; save it in C order (numpy: `np.save(path, np.ascontiguousarray(x))`)');

  const shape = shapeText!
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(Number);
  const count = shape.reduce((product, dim) => product * dim, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.byteLength - dataStart !== count * 4) {
    fail(`shape (${shape.join(', ')}) needs ${count * 4} data bytes, file has ${bytes.byteLength - dataStart}`);
  }

  // Copy so the Float32Array is 4-byte aligned.
  const data = new Float32Array(bytes.slice(dataStart).buffer);
  return { shape, data };
}
