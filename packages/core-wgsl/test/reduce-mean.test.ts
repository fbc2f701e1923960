import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { reduceMeanOutputShape, reduceMeanProgram, runProgram } from '../src/index';
import { referenceReduceMean } from './reference/reduce';
import { describeErrors, randomFloats, randomGenerator } from './reference/random';

// Oracle: float64 ONNX ReduceMean that accumulates each input element into its output slot.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const cases: Array<[number[], number[]]> = [
  [[2, 3, 5, 7], [2, 3]], // spatial mean, as GlobalAveragePool
  [[2, 3, 5, 7], [1]],
  [[2, 3, 5, 7], [0, 2]],
  [[2, 3, 5, 7], [-1]],
  [[2, 3, 5, 7], []], // all axes
  [[1, 1, 1], [1]],
  [[3, 1, 4, 1, 5, 2], [0, 3, 5]],
  [[17], [0]],
];

describe('reduce mean kernel', () => {
  for (const keepdims of [true, false]) {
    it.each(cases.map(([shape, axes]) => [`${shape.join('x')} axes [${axes}] keepdims ${keepdims}`, shape, axes] as const))(
      '%s matches float64 reference',
      async (_, shape, axes) => {
        const random = randomGenerator(shape.length * 100 + axes.length * 7 + (keepdims ? 1 : 0));
        const input = randomFloats(random, shape.reduce((p, s) => p * s, 1));
        const params = { inputShape: shape, axes, keepdims };
        const expected = referenceReduceMean(input, shape, axes);
        const outputShape = reduceMeanOutputShape(params);

        const expectedShape = keepdims ? expected.keptShape : expected.keptShape.filter((_, a) => !(axes.length === 0 || axes.map((x) => (x < 0 ? x + shape.length : x)).includes(a)));
        expect(outputShape).toEqual(expectedShape);
        const output = await runProgram(gpu.device, reduceMeanProgram(params), [input], expected.data.length);

        // A float32 sum of n values in [-1, 1] is within (n - 1) * 2^-24 * n of exact. Dividing
        // by n leaves (n - 1) * 2^-24, plus one rounding of the quotient.
        const n = input.length / expected.data.length;
        const message = describeErrors(output, expected.data, 'means');
        for (let i = 0; i < expected.data.length; i++) expect(Math.abs(output[i]! - expected.data[i]!), message).toBeLessThanOrEqual(n * 2 ** -24 + 2 ** -24);
      },
    );
  }

  it('copies with noopWithEmptyAxes', async () => {
    const input = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const params = { inputShape: [2, 3], axes: [], noopWithEmptyAxes: true };
    expect(reduceMeanOutputShape(params)).toEqual([2, 3]);
    expect(Array.from(await runProgram(gpu.device, reduceMeanProgram(params), [input], 6))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a repeated axis', () => {
    expect(() => reduceMeanProgram({ inputShape: [2, 3], axes: [1, -1] })).toThrow(/same axis twice/);
  });
});
