import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { globalPoolProgram, runProgram, type GlobalPoolMode } from '../src/index';
import { referenceGlobalPool } from './reference/pool';
import { describeErrors, randomFloats, randomGenerator } from './reference/random';

// Oracle: float64 GlobalAveragePool / GlobalMaxPool from the ONNX definitions.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

// Odd planes, 1x1, channels not divisible by 4, batch > 1, and planes large enough (>= 1024)
// for the workgroup-per-plane layout, including one not a multiple of 64.
const shapes: number[][] = [
  [1, 1, 1, 1],
  [1, 3, 7, 7],
  [2, 5, 3, 5],
  [3, 7, 1, 9],
  [1, 13, 11, 13],
  [2, 3, 32, 32],
  [1, 2, 37, 41],
  [1, 4, 5, 6, 7],
];

describe('global pool kernel', () => {
  for (const mode of ['average', 'max'] as GlobalPoolMode[]) {
    it.each(shapes.map((shape) => [shape.join('x'), shape] as const))(`${mode} %s matches float64 reference`, async (_, shape) => {
      const random = randomGenerator(shape.reduce((a, b) => a * 31 + b, 7));
      const planes = shape[0]! * shape[1]!;
      const planeSize = shape.slice(2).reduce((a, b) => a * b, 1);
      const input = randomFloats(random, planes * planeSize, 4);

      const output = await runProgram(gpu.device, globalPoolProgram({ inputShape: shape, mode }), [input], planes);
      const expected = referenceGlobalPool(input, planes, planeSize, mode);

      for (let p = 0; p < planes; p++) {
        // Max is exact. A float32 sum of n terms is within (n - 1) * 2^-24 * sum |x| of the
        // exact sum (recursive summation bound), and dividing by n keeps that relative bound.
        let absoluteSum = 0;
        for (let i = 0; i < planeSize; i++) absoluteSum += Math.abs(input[p * planeSize + i]!);
        const tolerance = mode === 'max' ? 0 : (planeSize * 2 ** -24 * absoluteSum) / planeSize + 1e-7;
        expect(Math.abs(output[p]! - expected[p]!), describeErrors(output, expected, `plane ${p}`)).toBeLessThanOrEqual(tolerance);
      }
    });
  }

  it('rejects an empty spatial axis', () => {
    expect(() => globalPoolProgram({ inputShape: [1, 3, 0, 4], mode: 'average' })).toThrow(/empty spatial axis/);
  });
});
