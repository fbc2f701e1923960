import type { DataType, Initializer } from '../../ir/graph';

/** Element types the reader decodes, with their size in bytes and the IR type they become. */
export const SAFETENSORS_DTYPES = {
  F32: { bytes: 4, dataType: 'float32' },
  F16: { bytes: 2, dataType: 'float32' },
  BF16: { bytes: 2, dataType: 'float32' },
  F64: { bytes: 8, dataType: 'float32' },
  I64: { bytes: 8, dataType: 'int64' },
  I32: { bytes: 4, dataType: 'int32' },
} as const satisfies Record<string, { bytes: number; dataType: DataType }>;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

export function isSupportedDtype(dtype: string): dtype is SafetensorsDtype {
  return Object.hasOwn(SAFETENSORS_DTYPES, dtype);
}

/**
 * Decodes little-endian tensor bytes into IR data. F16, BF16 and F64 are converted to float32
 * because every kernel computes in float32.
 */
export function decodeElements(bytes: Uint8Array, dtype: SafetensorsDtype, count: number): Initializer['data'] {
  // Copy into a fresh buffer: tensor data starts at arbitrary byte offsets, and typed arrays need alignment.
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  switch (dtype) {
    case 'F32':
      return new Float32Array(copy.buffer, 0, count);
    case 'F16':
      return Float32Array.from({ length: count }, (_, i) => float16ToNumber(view.getUint16(i * 2, true)));
    case 'BF16':
      return Float32Array.from({ length: count }, (_, i) => bfloat16ToNumber(view.getUint16(i * 2, true)));
    case 'F64':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true));
    case 'I64':
      return new BigInt64Array(copy.buffer, 0, count);
    case 'I32':
      return new Int32Array(copy.buffer, 0, count);
  }
}

/** Converts IEEE 754 binary16 bits to a number. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const bfloat16Scratch = new DataView(new ArrayBuffer(4));

/** Converts bfloat16 bits (the upper half of a float32) to a number. */
export function bfloat16ToNumber(bits: number): number {
  bfloat16Scratch.setUint32(0, bits << 16);
  return bfloat16Scratch.getFloat32(0);
}
