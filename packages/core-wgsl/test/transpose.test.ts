import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runProgram, transposeOutputShape, transposeProgram } from '../src/index';
import { referenceTranspose } from './reference/layout';
import { randomFloats, randomGenerator, randomInt } from './reference/random';

// Oracle: float64 ONNX Transpose that places each input coordinate into the output directly.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const cases: Array<[number[], number[] | undefined]> = [
  [[2, 3, 4, 5], [0, 2, 3, 1]], // NCHW -> NHWC
  [[2, 4, 5, 3], [0, 3, 1, 2]], // NHWC -> NCHW
  [[3, 7], undefined], // default: reverse
  [[1, 3, 1, 5], [3, 2, 1, 0]],
  [[2, 3, 2, 3, 2, 3], [5, 0, 4, 1, 3, 2]],
  [[4, 1, 6], [1, 0, 2]],
  [[7], [0]],
];

/** Returns random shapes of rank 1 to 6 with sizes 1 to 4, each with a random permutation. */
function randomCases(count: number): Array<[number[], number[]]> {
  const random = randomGenerator(31);
  return Array.from({ length: count }, () => {
    const rank = randomInt(random, 1, 6);
    const shape = Array.from({ length: rank }, () => randomInt(random, 1, 4));
    const perm = [...shape.keys()];
    for (let i = rank - 1; i > 0; i--) {
      const j = randomInt(random, 0, i);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    return [shape, perm];
  });
}

describe('transpose kernel', () => {
  it.each(randomCases(20).map(([shape, perm]) => [`${shape.join('x')} perm [${perm}]`, shape, perm] as const))('random %s matches float64 reference', async (_, shape, perm) => {
    const random = randomGenerator(shape.reduce((p, s) => p * 3 + s, 17));
    const input = randomFloats(random, shape.reduce((p, s) => p * s, 1));
    const expected = referenceTranspose(input, shape, perm);
    const output = await runProgram(gpu.device, transposeProgram({ inputShape: shape, perm }), [input], input.length);
    // A permutation copies values, so the match is exact.
    for (let i = 0; i < input.length; i++) expect(output[i], `index ${i}`).toBe(expected.data[i]);
  });

  it.each(cases.map(([shape, perm]) => [`${shape.join('x')} perm [${perm ?? 'reverse'}]`, shape, perm] as const))('%s matches float64 reference', async (_, shape, perm) => {
    const random = randomGenerator(shape.reduce((p, s) => p * 3 + s, 9));
    const input = randomFloats(random, shape.reduce((p, s) => p * s, 1));
    const resolved = perm ?? [...shape.keys()].reverse();
    const expected = referenceTranspose(input, shape, resolved);
    expect(transposeOutputShape({ inputShape: shape, perm })).toEqual(expected.shape);

    const output = await runProgram(gpu.device, transposeProgram({ inputShape: shape, perm }), [input], input.length);
    // A permutation copies values, so the match is exact.
    for (let i = 0; i < input.length; i++) expect(output[i], `index ${i}`).toBe(expected.data[i]);
  });

  it('rejects a perm that is not a permutation', () => {
    expect(() => transposeProgram({ inputShape: [2, 3, 4], perm: [0, 0, 1] })).toThrow(/not a permutation/);
  });
});
