import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { concatPrograms, createStorageBuffer, encodeDispatch, prepareDispatch, readFloat32, releaseDispatch } from '../src/index';
import { referenceConcat } from './reference/layout';
import { randomFloats, randomGenerator } from './reference/random';

// Oracle: float64 ONNX Concat that places each input coordinate into the output directly.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

/** Runs every slice program of one Concat into a shared output buffer, in one compute pass. */
async function runConcat(inputs: Float32Array[], shapes: number[][], axis: number): Promise<{ shape: number[]; data: Float32Array }> {
  const device = gpu.device;
  const { programs, outputShape } = concatPrograms(shapes, axis);
  const length = outputShape.reduce((p, s) => p * s, 1);
  const output = createStorageBuffer(device, new Float32Array(length).fill(Number.NaN));
  const inputBuffers = inputs.map((data) => createStorageBuffer(device, data));
  const prepared = programs.map((program, i) => prepareDispatch(device, program, [{ buffer: inputBuffers[i]!, size: inputs[i]!.byteLength }], { buffer: output, size: length * 4 }));

  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const dispatch of prepared) encodeDispatch(pass, dispatch);
  pass.end();
  device.queue.submit([encoder.finish()]);

  const data = await readFloat32(device, output, length);
  prepared.forEach(releaseDispatch);
  for (const buffer of [output, ...inputBuffers]) buffer.destroy();
  return { shape: outputShape, data };
}

const cases: Array<[string, number[][], number]> = [
  ['channels of NCHW', [[2, 3, 4, 5], [2, 1, 4, 5], [2, 6, 4, 5]], 1],
  ['batch axis', [[1, 3, 2, 2], [2, 3, 2, 2]], 0],
  ['width, negative axis', [[1, 2, 3, 1], [1, 2, 3, 4]], -1],
  ['height', [[1, 2, 5, 3], [1, 2, 1, 3]], 2],
  ['single input', [[3, 7]], 1],
  ['rank 1', [[5], [3], [1]], 0],
];

describe('concat kernel', () => {
  it.each(cases)('%s matches float64 reference', async (_, shapes, axis) => {
    const random = randomGenerator(shapes.length * 10 + axis + 5);
    const inputs = shapes.map((shape) => randomFloats(random, shape.reduce((p, s) => p * s, 1)));
    const actual = await runConcat(inputs, shapes, axis);
    const expected = referenceConcat(inputs, shapes, axis);

    expect(actual.shape).toEqual(expected.shape);
    // A copy is exact, and NaN in the output would mark an element no program wrote.
    for (let i = 0; i < expected.data.length; i++) expect(actual.data[i], `index ${i}`).toBe(expected.data[i]);
  });

  it('rejects inputs that differ off the axis', () => {
    expect(() => concatPrograms([[1, 2, 3], [1, 3, 3]], 2)).toThrow(/differs from input 0/);
  });
});
