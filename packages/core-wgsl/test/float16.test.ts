import { describe, expect, it } from 'vitest';

import { float16BitsToNumber, float32ToFloat16Bits, toFloat16Bits } from '../src/index';

// Oracle: IEEE 754 binary16 bit patterns, checked against numpy 1.24's float32 -> float16 cast
// (round to nearest, ties to even) on the same inputs.
const known: Array<[string, number, number]> = [
  ['one', 1, 0x3c00],
  ['minus two', -2, 0xc000],
  ['largest finite', 65504, 0x7bff],
  ['just below the overflow tie', 65519, 0x7bff],
  ['overflow tie rounds to infinity', 65520, 0x7c00],
  ['negative overflow', -65520, 0xfc00],
  ['far overflow', 1e6, 0x7c00],
  ['just below the smallest normal', 6.1e-5, 0x03ff],
  ['smallest normal', 6.103515625e-5, 0x0400],
  ['smallest subnormal, rounded', 5.96e-8, 0x0001],
  ['half the smallest subnormal ties to zero', 2 ** -25, 0x0000],
  ['just above half the smallest subnormal', 2 ** -25 * (1 + 2 ** -23), 0x0001],
  ['underflow', 1e-8, 0x0000],
  ['subnormal tie 1.5 rounds up to even', 1.5 * 2 ** -24, 0x0002],
  ['subnormal tie 2.5 rounds down to even', 2.5 * 2 ** -24, 0x0002],
  ['zero', 0, 0x0000],
  ['negative zero', -0, 0x8000],
  ['tie above one rounds down to even', 1 + 2 ** -11, 0x3c00],
  ['tie above 1 + ulp rounds up to even', 1 + 3 * 2 ** -11, 0x3c02],
  ['integer tie 2049', 2049, 0x6800],
  ['integer tie 2051', 2051, 0x6802],
  ['0.1', 0.1, 0x2e66],
  ['pi to 5 decimals', 3.14159, 0x4248],
  ['infinity', Infinity, 0x7c00],
  ['negative infinity', -Infinity, 0xfc00],
];

const hex = (bits: number): string => `0x${bits.toString(16).padStart(4, '0')}`;

describe('float32 to float16 conversion', () => {
  it.each(known)('%s', (_, value, bits) => {
    expect(hex(float32ToFloat16Bits(value)), `${value}`).toBe(hex(bits));
  });

  it('keeps NaN a NaN', () => {
    const bits = float32ToFloat16Bits(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x03ff).not.toBe(0);
    expect(float16BitsToNumber(bits)).toBeNaN();
  });

  it('round-trips every finite float16 value', () => {
    const mismatches: string[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      const back = float32ToFloat16Bits(float16BitsToNumber(bits));
      if (back !== bits) mismatches.push(`${hex(bits)} -> ${hex(back)}`);
    }
    expect(mismatches.slice(0, 5), `${mismatches.length} mismatches`).toEqual([]);
  });

  it('rounds midpoints between neighbors to the even one', () => {
    // Midpoints of positive finite neighbors are exact in float32 (float16 has 11 significant
    // bits, a midpoint 12), so the tie rule alone decides.
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x7bff; bits++) {
      const midpoint = (float16BitsToNumber(bits) + float16BitsToNumber(bits + 1)) / 2;
      const even = bits % 2 === 0 ? bits : bits + 1;
      const got = float32ToFloat16Bits(midpoint);
      if (got !== even) wrong.push(`${midpoint}: ${hex(got)} instead of ${hex(even)}`);
    }
    expect(wrong.slice(0, 5), `${wrong.length} wrong ties`).toEqual([]);
  });

  it('pads bulk conversion to whole vec4', () => {
    const half = toFloat16Bits(new Float32Array([1, -2, 65504, 0.5, 2]));
    expect(half.length).toBe(8);
    expect(Array.from(half, hex)).toEqual(['0x3c00', '0xc000', '0x7bff', '0x3800', '0x4000', '0x0000', '0x0000', '0x0000']);
  });
});
