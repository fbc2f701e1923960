import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pool2dOutputShape, pool2dProgram, pool2dVariants, runProgram, type Pool2dParams, type Pool2dVariant } from '../src/index';
import { referencePool2d } from './reference/pool';
import { describeErrors, randomFloats, randomGenerator, randomInt } from './reference/random';

// Oracle: float64 MaxPool / AveragePool that enumerates window positions directly.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

/** Returns random attribute sets whose pads stay below the kernel size, so every window reads an input element. */
function randomCases(count: number): Pool2dParams[] {
  const random = randomGenerator(2024);
  const cases: Pool2dParams[] = [];
  while (cases.length < count) {
    const kernelShape = [randomInt(random, 1, 4), randomInt(random, 1, 4)] as const;
    const dilations = [randomInt(random, 1, 2), randomInt(random, 1, 2)] as const;
    const pads = [0, 1, 0, 1].map((axis) => randomInt(random, 0, kernelShape[axis]! - 1)) as [number, number, number, number];
    const params: Pool2dParams = {
      mode: random() < 0.5 ? 'max' : 'average',
      inputShape: [randomInt(random, 1, 2), randomInt(random, 1, 5), randomInt(random, 1, 11), randomInt(random, 1, 11)],
      kernelShape,
      strides: [randomInt(random, 1, 3), randomInt(random, 1, 3)],
      pads,
      dilations,
      ceilMode: random() < 0.5,
      countIncludePad: random() < 0.5,
    };
    const extent = (axis: 0 | 1) => dilations[axis] * (kernelShape[axis] - 1) + 1;
    const fits = params.inputShape[2] + pads[0] + pads[2] >= extent(0) && params.inputShape[3] + pads[1] + pads[3] >= extent(1);
    if (fits) cases.push(params);
  }
  return cases;
}

const fixedCases: Array<[string, Pool2dParams]> = [
  ['max 3x3 stride 2 ceil', { mode: 'max', inputShape: [1, 3, 8, 8], kernelShape: [3, 3], strides: [2, 2], ceilMode: true }],
  ['max 1x1 stride 3 ceil drops pad-only window', { mode: 'max', inputShape: [1, 2, 5, 5], kernelShape: [1, 1], strides: [3, 3], ceilMode: true }],
  ['average 3x3 asymmetric pads', { mode: 'average', inputShape: [2, 3, 7, 6], kernelShape: [3, 3], pads: [0, 1, 2, 2] }],
  ['average include pad ceil', { mode: 'average', inputShape: [1, 4, 7, 7], kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true }],
  ['max dilated 2x2', { mode: 'max', inputShape: [1, 1, 4, 4], kernelShape: [2, 2], dilations: [2, 2] }],
  ['average 1x1 input', { mode: 'average', inputShape: [3, 5, 1, 1], kernelShape: [1, 1] }],
  // ResNet's stem pool on an odd width (a partial last row block), and a 7-wide window.
  ['max 3x3 stride 2 pads 1, 13 wide', { mode: 'max', inputShape: [2, 3, 9, 13], kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['max 5x7 stride 1x2 pads 2 3 1 0', { mode: 'max', inputShape: [1, 2, 8, 17], kernelShape: [5, 7], strides: [1, 2], pads: [2, 3, 1, 0] }],
];

describe('pool2d kernel', () => {
  const cases = [...fixedCases, ...randomCases(40).map((params, i) => [`random case ${i}`, params] as [string, Pool2dParams])];
  const runs = cases.flatMap(([label, params]) =>
    pool2dVariants(params).map((variant) => [`${label} / ${variant}`, params, variant] as [string, Pool2dParams, Pool2dVariant]),
  );

  it.each(runs)('%s matches float64 reference', async (label, params, variant) => {
    const random = randomGenerator(label.length * 977 + params.inputShape[2]);
    const input = randomFloats(random, params.inputShape.reduce((p, s) => p * s, 1));
    const expected = referencePool2d(input, params.inputShape, {
      mode: params.mode,
      kernel: [...params.kernelShape],
      strides: [...(params.strides ?? [1, 1])],
      pads: [...(params.pads ?? [0, 0, 0, 0])],
      dilations: [...(params.dilations ?? [1, 1])],
      ceilMode: params.ceilMode ?? false,
      countIncludePad: params.countIncludePad ?? false,
    });

    expect(pool2dOutputShape(params), `${label}: output shape of ${JSON.stringify(params)}`).toEqual(expected.shape);
    const output = await runProgram(gpu.device, pool2dProgram(params, variant), [input], expected.data.length);

    // Max is exact. An average of k <= 16 values in [-1, 1] rounds at most k + 1 times
    // by 2^-24 relative, so (k + 1) * 2^-24 bounds the absolute error.
    const area = params.kernelShape[0] * params.kernelShape[1];
    const tolerance = params.mode === 'max' ? 0 : (area + 1) * 2 ** -24;
    const message = `${label} ${JSON.stringify(params)}: ${describeErrors(output, expected.data, 'output')}`;
    for (let i = 0; i < expected.data.length; i++) expect(Math.abs(output[i]! - expected.data[i]!), message).toBeLessThanOrEqual(tolerance);
  });

  // Oracle: outputs of onnxruntime-node 1.31.1 (CPU, opset 19) on input 1, 2, 3, ... for the
  // ceil_mode edge cases where the ONNX output-size formula and runtimes disagree.
  const onnxruntimeCases: Array<[string, Pool2dParams, number[]]> = [
    ['max pad-only window dropped', { mode: 'max', inputShape: [1, 1, 5, 5], kernelShape: [1, 1], strides: [3, 3], ceilMode: true }, [1, 4, 16, 19]],
    [
      'average include pad, ceil, padded',
      { mode: 'average', inputShape: [1, 1, 7, 7], kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true },
      [2.2222223, 4.3333335, 5.6666665, 4.4444447, 10.333333, 17, 19, 13.666667, 19.666666, 31, 33, 23, 17.777779, 27.666666, 29, 20],
    ],
    [
      'average include pad, ceil, unpadded',
      { mode: 'average', inputShape: [1, 1, 5, 5], kernelShape: [2, 2], strides: [2, 2], ceilMode: true, countIncludePad: true },
      [4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25],
    ],
  ];

  it.each(onnxruntimeCases)('%s matches onnxruntime', async (label, params, expected) => {
    const input = Float32Array.from({ length: params.inputShape.reduce((p, s) => p * s, 1) }, (_, i) => i + 1);
    const shape = pool2dOutputShape(params);
    expect(shape[2] * shape[3], `${label}: output size`).toBe(expected.length);

    const output = await runProgram(gpu.device, pool2dProgram(params), [input], expected.length);
    // The recorded values are float32 printed to 8 significant digits, and averages of at most
    // nine integers round once or twice: 1e-6 relative.
    const message = describeErrors(output, expected, label);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]!));
  });

  it('rejects a window larger than the padded input', () => {
    expect(() => pool2dProgram({ mode: 'max', inputShape: [1, 1, 2, 2], kernelShape: [3, 3] })).toThrow(/does not fit/);
  });

  it('lists the row kernel for max pools', () => {
    const stem: Pool2dParams = { mode: 'max', inputShape: [1, 64, 112, 112], kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
    expect(pool2dVariants(stem)).toEqual(['max-row-4', 'generic']);
    expect(pool2dVariants({ ...stem, kernelShape: [1, 1] })).toEqual(['generic']);
    expect(pool2dVariants({ ...stem, mode: 'average' })).toEqual(['generic']);
    expect(() => pool2dProgram({ ...stem, mode: 'average' }, 'max-row-4')).toThrow(/invalid variant max-row-4 for this pool; use one of generic/);
  });

  it('rejects a zero stride', () => {
    expect(() => pool2dProgram({ mode: 'max', inputShape: [1, 1, 4, 4], kernelShape: [2, 2], strides: [0, 1] })).toThrow(/strides/);
  });
});
