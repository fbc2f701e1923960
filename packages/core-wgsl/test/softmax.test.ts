import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runProgram, softmaxProgram } from '../src/index';
import { referenceSoftmax } from './reference/reduce';
import { describeErrors, randomFloats, randomGenerator } from './reference/random';

// Oracle: float64 ONNX Softmax (opset 13) with the max subtracted.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const cases: Array<[number[], number, number]> = [
  [[1, 1001], -1, 10], // ImageNet logits
  [[3, 7], -1, 10],
  [[2, 1], -1, 10],
  [[4, 5, 3], 1, 10],
  [[2, 3, 4, 5], 0, 10],
  [[2, 9], -1, 1000], // logits near ±1000 overflow exp without the max shift
];

describe('softmax kernel', () => {
  it.each(cases.map(([shape, axis, scale]) => [`${shape.join('x')} axis ${axis} scale ${scale}`, shape, axis, scale] as const))(
    '%s matches float64 reference',
    async (_, shape, axis, scale) => {
      const random = randomGenerator(shape.reduce((p, s) => p * 7 + s, axis + 20));
      const input = randomFloats(random, shape.reduce((p, s) => p * s, 1), scale);
      const output = await runProgram(gpu.device, softmaxProgram({ shape, axis }), [input], input.length);
      const expected = referenceSoftmax(input, shape, axis);

      // Probabilities lie in [0, 1]. exp on GPUs has about 3 ulp relative error after the shift
      // (WGSL allows 3 + 2|x| ulp), plus the rounding of the sum over up to 1001 terms: 1e-6 absolute.
      const message = describeErrors(output, expected, 'probabilities');
      for (let i = 0; i < input.length; i++) expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(1e-6);
    },
  );

  it('rejects an out-of-range axis', () => {
    expect(() => softmaxProgram({ shape: [2, 3], axis: 2 })).toThrow(/out of range/);
  });
});
