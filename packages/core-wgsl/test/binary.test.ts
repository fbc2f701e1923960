import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { binaryOutputShape, binaryProgram, runProgram, type Activation, type BinaryOperator } from '../src/index';
import { referenceBinary, referenceBroadcastShape } from './reference/elementwise';
import { describeErrors, randomFloats, randomGenerator, randomInt } from './reference/random';

// Oracle: float64 ONNX Add/Sub/Mul/Div with numpy broadcasting, walking every output coordinate.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const operations: Record<BinaryOperator, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

const shapePairs: Array<[number[], number[]]> = [
  [[1, 3, 7, 7], [1, 3, 7, 7]], // residual Add
  [[2, 5, 3, 3], [1, 5, 1, 1]], // per-channel
  [[2, 5, 3, 3], [5, 1, 1]], // lower rank
  [[1], [2, 3, 4]], // scalar-like
  [[3, 1, 5], [1, 4, 1]], // both broadcast
  [[2, 1, 3, 1, 5, 1], [1, 4, 1, 2, 1, 3]], // rank 6, alternating
  [[1, 1, 1, 1], [1, 1, 1, 1]],
  [[7, 1], [7]],
  [[2, 3, 4, 5], [4, 1]],
  [[1, 17, 1, 1], [3, 17, 5, 7]],
];

/** Returns random broadcastable pairs of rank 1 to 6, with sizes 1 to 5 and random size-1 axes in either operand. */
function randomShapePairs(count: number): Array<[number[], number[]]> {
  const random = randomGenerator(77);
  const pairs: Array<[number[], number[]]> = [];
  for (let k = 0; k < count; k++) {
    const rank = randomInt(random, 1, 6);
    const full = Array.from({ length: rank }, () => randomInt(random, 1, 5));
    const a = full.map((size) => (random() < 0.3 ? 1 : size));
    const b = full.map((size) => (random() < 0.3 ? 1 : size));
    pairs.push([a, b.slice(randomInt(random, 0, rank - 1))]);
  }
  return pairs;
}

describe('binary element-wise kernel', () => {
  it.each(randomShapePairs(30).map(([a, b]) => [`${a.join('x')} mul ${b.join('x')}`, a, b] as const))(
    'random %s matches float64 reference',
    async (_, aShape, bShape) => {
      const random = randomGenerator(aShape.reduce((p, s) => p * 11 + s, bShape.length));
      const a = randomFloats(random, aShape.reduce((p, s) => p * s, 1), 3);
      const b = randomFloats(random, bShape.reduce((p, s) => p * s, 1), 3);
      const length = binaryOutputShape(aShape, bShape).reduce((p, s) => p * s, 1);
      const output = await runProgram(gpu.device, binaryProgram({ operator: 'mul', aShape, bShape }), [a, b], length);
      const expected = referenceBinary(operations.mul, a, aShape, b, bShape);

      // A product rounds once: 1 ulp relative, doubled for margin.
      const message = describeErrors(output, expected, 'products');
      for (let i = 0; i < length; i++) expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(2 * 2 ** -23 * Math.abs(expected[i]!));
    },
  );

  for (const operator of Object.keys(operations) as BinaryOperator[]) {
    it.each(shapePairs.map(([a, b]) => [`${a.join('x')} ${operator} ${b.join('x')}`, a, b] as const))(
      '%s matches float64 reference',
      async (_, aShape, bShape) => {
        const random = randomGenerator(aShape.length * 1000 + bShape.reduce((p, s) => p * 7 + s, 3));
        const a = randomFloats(random, aShape.reduce((p, s) => p * s, 1), 3);
        // Divisors kept away from zero so the relative error of the quotient stays bounded.
        const b = randomFloats(random, bShape.reduce((p, s) => p * s, 1), 3).map((v) => (operator === 'div' ? Math.sign(v || 1) * (0.5 + Math.abs(v)) : v));

        const outShape = binaryOutputShape(aShape, bShape);
        expect(outShape).toEqual(referenceBroadcastShape(aShape, bShape));
        const length = outShape.reduce((p, s) => p * s, 1);
        const output = await runProgram(gpu.device, binaryProgram({ operator, aShape, bShape }), [a, b], length);
        const expected = referenceBinary(operations[operator], a, aShape, b, bShape);

        // One float32 rounding of the result (division on GPUs may be up to 2.5 ulp): 4 ulp relative.
        for (let i = 0; i < length; i++) {
          const tolerance = 4 * 2 ** -23 * Math.abs(expected[i]!) + 1e-30;
          expect(Math.abs(output[i]! - expected[i]!), describeErrors(output, expected, `index ${i}`)).toBeLessThanOrEqual(tolerance);
        }
      },
    );
  }

  it('fuses an activation after the operation', async () => {
    const aShape = [2, 3, 5, 5];
    const bShape = [1, 3, 1, 1];
    const random = randomGenerator(11);
    const a = randomFloats(random, 150, 8);
    const b = randomFloats(random, 3, 8);
    const activation: Activation = { kind: 'clip', min: 0, max: 6 };

    const output = await runProgram(gpu.device, binaryProgram({ operator: 'add', aShape, bShape, activation }), [a, b], 150);
    const expected = referenceBinary((x, y) => Math.min(Math.max(x + y, 0), 6), a, aShape, b, bShape);

    // Clip is exact, so only the rounding of the sum remains: 2 ulp of values up to 16.
    const message = describeErrors(output, expected, 'add + clip(0, 6)');
    for (let i = 0; i < 150; i++) expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(2 * 2 ** -23 * 16);
  });

  it('fuses a clip with infinite max', async () => {
    // ONNX Clip without a max input has max = +infinity, which the shader must still compile.
    const a = Float32Array.from([-3, 0.5, 2, 1e30]);
    const b = Float32Array.from([1]);
    const activation: Activation = { kind: 'clip', min: 0, max: Infinity };
    const output = await runProgram(gpu.device, binaryProgram({ operator: 'add', aShape: [4], bShape: [1], activation }), [a, b], 4);
    expect(Array.from(output)).toEqual([0, 1.5, 3, 1e30 + 1].map(Math.fround));
  });

  it('rejects shapes that do not broadcast', () => {
    expect(() => binaryProgram({ operator: 'add', aShape: [2, 3], bShape: [4, 3] })).toThrow(/cannot be broadcast/);
  });

  it('rejects rank above 6', () => {
    expect(() => binaryProgram({ operator: 'add', aShape: [1, 1, 1, 1, 1, 1, 2], bShape: [2] })).toThrow(/rank 7/);
  });
});
