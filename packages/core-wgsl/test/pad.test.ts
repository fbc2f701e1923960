import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { padOutputShape, padProgram, runProgram, type PadMode } from '../src/index';
import { referencePad } from './reference/layout';
import { randomFloats, randomGenerator } from './reference/random';

// Oracle: float64 ONNX Pad, reflecting one bounce at a time as numpy.pad does.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const cases: Array<[string, number[], number[]]> = [
  ['NCHW spatial 1 each side', [1, 3, 4, 5], [0, 0, 1, 1, 0, 0, 1, 1]],
  ['NCHW asymmetric', [2, 3, 5, 4], [0, 0, 0, 2, 0, 0, 3, 1]],
  ['pads wider than input', [1, 2, 3, 2], [0, 0, 5, 4, 0, 0, 4, 6]],
  ['width 1', [1, 1, 3, 1], [0, 0, 1, 2, 0, 0, 1, 2]],
  ['channel and batch pads', [1, 2, 2, 2], [1, 1, 0, 0, 0, 2, 0, 0]],
  ['negative pads crop', [1, 2, 6, 5], [0, 0, -1, 1, 0, 0, 2, -2]],
  ['rank 6', [2, 1, 2, 1, 3, 2], [0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 2, 1]],
];

describe('pad kernel', () => {
  for (const mode of ['constant', 'reflect', 'edge'] as PadMode[]) {
    it.each(cases.map(([label, shape, pads]) => [`${mode} ${label}`, shape, pads] as const))('%s matches float64 reference', async (_, shape, pads) => {
      const random = randomGenerator(shape.reduce((p, s) => p * 5 + s, pads.length));
      const input = randomFloats(random, shape.reduce((p, s) => p * s, 1));
      const value = 2.5;
      const expected = referencePad(input, shape, pads, mode, value);
      expect(padOutputShape(shape, pads)).toEqual(expected.shape);

      const output = await runProgram(gpu.device, padProgram({ inputShape: shape, pads, mode, value }), [input], expected.data.length);
      // Every output element is a copy of an input element or of `value`, so the match is exact.
      for (let i = 0; i < expected.data.length; i++) expect(output[i], `index ${i}`).toBe(expected.data[i]);
    });
  }

  it('rejects pads of the wrong length', () => {
    expect(() => padProgram({ inputShape: [1, 3, 4, 4], pads: [1, 1, 1, 1] })).toThrow(/needs 8/);
  });
});
