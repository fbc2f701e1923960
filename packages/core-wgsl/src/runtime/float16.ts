/**
 * IEEE 754 binary16 encoding for uploading float16 weights. Node 20 has no Float16Array, so
 * values are converted to their 16-bit patterns and uploaded as a Uint16Array.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** Converts a float32 bit pattern to the nearest float16 bit pattern, ties to even. */
function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  // Infinity stays infinity. NaN stays a quiet NaN and keeps the top mantissa bits it can.
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);

  // The float16 exponent bias is 15 against 127 for float32.
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;

  if (halfExponent <= 0) {
    // Below 2^-25 every value rounds to zero; exactly 2^-25 is a tie that rounds to the even zero.
    if (halfExponent < -10) return sign;

    // Subnormal: the float16 mantissa counts units of 2^-24, so shift the 24-bit significand
    // (implicit bit included) right by 14 - halfExponent and round the bits shifted out.
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
    // A carry out of the mantissa gives 0x400, the encoding of the smallest normal.
    return sign | half;
  }

  // Normal: keep the top 10 of 23 mantissa bits and round the 13 dropped ones.
  let half = sign | (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa increments the exponent, and past the largest finite value gives infinity.
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return half;
}

/** Returns the float16 bit pattern nearest to `value` after rounding it to float32 (ties to even). */
export function float32ToFloat16Bits(value: number): number {
  scratch[0] = value;
  return float32BitsToFloat16Bits(scratchBits[0]!);
}

/** Decodes a float16 bit pattern to a number (exact: every float16 value is a float32 and a float64). */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Converts float32 values to float16 bit patterns, zero-filled to a multiple of `multiple`
 * values so that the buffer covers whole elements of the binding (4 for `array<vec4<f16>>`).
 */
export function toFloat16Bits(values: Float32Array, multiple = 4): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const half = new Uint16Array(Math.ceil(values.length / multiple) * multiple);
  for (let i = 0; i < values.length; i++) half[i] = float32BitsToFloat16Bits(bits[i]!);
  return half;
}
