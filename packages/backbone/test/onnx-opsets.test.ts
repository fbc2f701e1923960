import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel } from '../src/index';
import { memorySource } from './helpers/file-source';
import { seededValues, tinyModel, type TinyNode } from './helpers/tiny-model';

// Oracle: float64 JavaScript formulas of the ONNX operator definitions.
// Tolerance 1e-6 absolute: single float32 operations on values below 10 in magnitude.
const TOLERANCE = 1e-6;

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

async function run(nodes: TinyNode[], initializers: Parameters<typeof tinyModel>[1], opset: number, x: Float32Array, shape: number[]) {
  const { bytes } = tinyModel(nodes, initializers, { opset, inputShape: ['N', ...shape.slice(1)] });
  const graph = await loadModel(memorySource(`opset${opset}.onnx`, bytes));
  const extractor = await createFeatureExtractor(gpu.device, graph, { layer: 'y' });
  const { y } = await extractor.runTensors({ x: { data: x, shape } }, ['y']);
  extractor.dispose();
  return y!;
}

/** A table row: test name, opset, nodes and initializers. */
type OperatorCase = [string, number, TinyNode[], Parameters<typeof tinyModel>[1]];

function maxError(actual: Float32Array, expected: number[]): number {
  return expected.reduce((worst, value, i) => Math.max(worst, Math.abs(actual[i]! - value)), 0);
}

describe('opset-dependent operator forms', () => {
  const shape = [2, 3, 2, 2];
  const x = Float32Array.from(seededValues(24, 4), (v) => v * 3);

  it.each<OperatorCase>([
    ['Clip attributes (opset 10)', 10, [{ opType: 'Clip', inputs: ['x'], output: 'y', attributes: { min: -0.5, max: 1.5 } }], {}],
    [
      'Clip inputs (opset 13)',
      13,
      [{ opType: 'Clip', inputs: ['x', 'lo', 'hi'], output: 'y' }],
      { lo: { dims: [], data: Float32Array.of(-0.5) }, hi: { dims: [], data: Float32Array.of(1.5) } },
    ],
  ])('%s', async (_, opset, nodes, initializers) => {
    const y = await run(nodes, initializers, opset, x, shape);
    const expected = Array.from(x, (v) => Math.min(Math.max(v, -0.5), 1.5));
    expect(maxError(y.data, expected), 'max abs error').toBeLessThan(TOLERANCE);
  });

  it.each<OperatorCase>([
    ['ReduceMean axes attribute (opset 13)', 13, [{ opType: 'ReduceMean', inputs: ['x'], output: 'y', attributes: { axes: [1, 3], keepdims: 0 } }], {}],
    [
      'ReduceMean axes input (opset 18)',
      18,
      [{ opType: 'ReduceMean', inputs: ['x', 'axes'], output: 'y', attributes: { keepdims: 0 } }],
      { axes: { dims: [2], data: BigInt64Array.of(1n, 3n) } },
    ],
  ])('%s', async (_, opset, nodes, initializers) => {
    const y = await run(nodes, initializers, opset, x, shape);
    expect(y.shape).toEqual([2, 2]);
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) {
      for (let h = 0; h < 2; h++) {
        let sum = 0;
        for (let c = 0; c < 3; c++) for (let w = 0; w < 2; w++) sum += x[((n * 3 + c) * 2 + h) * 2 + w]!;
        expected.push(sum / 6);
      }
    }
    expect(maxError(y.data, expected), 'max abs error').toBeLessThan(TOLERANCE);
  });

  it('Softmax over flattened axes (opset 11)', async () => {
    // Before opset 13, Softmax with axis 1 normalizes each image over C·H·W together.
    const y = await run([{ opType: 'Softmax', inputs: ['x'], output: 'y', attributes: { axis: 1 } }], {}, 11, x, shape);
    expect(y.shape).toEqual(shape);
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) {
      const row = Array.from(x.subarray(n * 12, (n + 1) * 12));
      const max = Math.max(...row);
      const sum = row.reduce((total, v) => total + Math.exp(v - max), 0);
      expected.push(...row.map((v) => Math.exp(v - max) / sum));
    }
    expect(maxError(y.data, expected), 'max abs error').toBeLessThan(TOLERANCE);
  });
});
