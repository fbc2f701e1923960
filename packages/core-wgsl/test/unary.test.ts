import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pipelineCacheFor, runProgram, unaryProgram, type Activation } from '../src/index';

// Oracle: float64 JavaScript formulas of the ONNX operator definitions.
const references: Array<[Activation, (x: number) => number]> = [
  [{ kind: 'relu' }, (x) => Math.max(x, 0)],
  [{ kind: 'clip', min: 0, max: 6 }, (x) => Math.min(Math.max(x, 0), 6)],
  [{ kind: 'hardSwish' }, (x) => x * Math.min(Math.max(x / 6 + 0.5, 0), 1)],
  [{ kind: 'hardSigmoid', alpha: 0.2, beta: 0.5 }, (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1)],
  [{ kind: 'sigmoid' }, (x) => 1 / (1 + Math.exp(-x))],
  [{ kind: 'silu' }, (x) => x / (1 + Math.exp(-x))],
  [{ kind: 'tanh' }, (x) => Math.tanh(x)],
  [{ kind: 'leakyRelu', alpha: 0.1 }, (x) => (x >= 0 ? x : 0.1 * x)],
];

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

describe('unary activation kernel', () => {
  const length = 1037; // not a multiple of 4 or of the workgroup size
  const input = Float32Array.from({ length }, (_, i) => (i - length / 2) / 50);

  it.each(references.map(([activation, f]) => [activation.kind, activation, f] as const))(
    '%s matches float64 reference',
    async (_, activation, reference) => {
      const output = await runProgram(gpu.device, unaryProgram(length, activation), [input], length);
      let maxError = 0;
      for (let i = 0; i < length; i++) maxError = Math.max(maxError, Math.abs(output[i]! - reference(input[i]!)));
      // Element-wise f32 math: a few ulp of values up to 10 in magnitude.
      expect(maxError, `max abs error ${maxError}`).toBeLessThan(1e-5);
    },
  );

  it('compiles each specialization once', async () => {
    const cache = pipelineCacheFor(gpu.device);
    const before = cache.compiledCount;
    await runProgram(gpu.device, unaryProgram(8, { kind: 'relu' }), [new Float32Array(8)], 8);
    await runProgram(gpu.device, unaryProgram(16, { kind: 'relu' }), [new Float32Array(16)], 16);
    expect(cache.compiledCount - before).toBeLessThanOrEqual(0);
  });
});
