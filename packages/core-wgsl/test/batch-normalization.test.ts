import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { batchNormalizationProgram, runProgram } from '../src/index';
import { referenceBatchNormalization } from './reference/normalization';
import { describeErrors, randomFloats, randomGenerator } from './reference/random';

// Oracle: float64 ONNX BatchNormalization (inference mode).
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const shapes = [
  [1, 1, 1, 1],
  [2, 3, 5, 7],
  [3, 5],
  [1, 7, 3, 3, 2],
  [2, 13, 9, 1],
];

describe('batch normalization kernel', () => {
  it.each(shapes.map((shape) => [shape.join('x'), shape] as const))('%s matches float64 reference', async (_, shape) => {
    const random = randomGenerator(shape.reduce((p, s) => p * 13 + s, 1));
    const channels = shape[1]!;
    const input = randomFloats(random, shape.reduce((p, s) => p * s, 1), 3);
    const scale = randomFloats(random, channels, 2);
    const bias = randomFloats(random, channels, 1);
    const mean = randomFloats(random, channels, 1);
    const variance = randomFloats(random, channels, 1).map((v) => Math.abs(v) + 0.05);
    const epsilon = 1e-3;

    const output = await runProgram(gpu.device, batchNormalizationProgram({ inputShape: shape, epsilon }), [input, scale, bias, mean, variance], input.length);
    const expected = referenceBatchNormalization(input, shape, scale, bias, mean, variance, epsilon);

    // About six float32 roundings (sqrt and division up to 2.5 ulp each on GPUs) of values below
    // 4 / sqrt(0.05) * 2 + 1 ≈ 37: 16 ulp of 64 is 1.2e-4.
    const message = describeErrors(output, expected, shape.join('x'));
    for (let i = 0; i < input.length; i++) expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(16 * 2 ** -23 * 64);
  });

  it('fuses a ReLU', async () => {
    const shape = [1, 3, 4, 4];
    const random = randomGenerator(3);
    const input = randomFloats(random, 48, 3);
    const ones = new Float32Array(3).fill(1);
    const zeros = new Float32Array(3);
    const output = await runProgram(gpu.device, batchNormalizationProgram({ inputShape: shape, epsilon: 0, activation: { kind: 'relu' } }), [input, ones, zeros, zeros, ones], 48);
    for (let i = 0; i < 48; i++) expect(output[i], `index ${i}`).toBe(Math.max(input[i]!, 0));
  });
});
