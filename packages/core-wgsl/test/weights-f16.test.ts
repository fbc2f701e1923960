import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  conv2dOutputLength,
  conv2dPasses,
  conv2dVariants,
  float16BitsToNumber,
  float32ToFloat16Bits,
  gemmVariants,
  kernelTargetOf,
  runConv2d,
  runProgram,
  selectConv2d,
  WINOGRAD_4X4_VARIANT,
  WINOGRAD_VARIANT,
  selectGemm,
  type Conv2dKernel,
  type Conv2dShape,
  type Epilogue,
  type GemmShape,
  type KernelTarget,
} from '../src/index';
import { compareToReference, reductionTolerance, WINOGRAD_4X4_ERROR_FACTOR } from './reference/compare';
import { conv2dReference } from './reference/conv2d';
import { gemmReference } from './reference/gemm';
import { randomTensor, seededUniform } from './reference/conv-gemm-random';
import { winogradConv2dReference } from './reference/winograd';

// Oracle: the float64 convolution and GEMM in test/reference, run on the weights (B) rounded to
// float16. The f16 kernels widen each weight to f32 exactly and accumulate in f32, so the only
// difference from that reference is f32 rounding. The tolerances are therefore the f32 ones of
// conv2d.test.ts and gemm.test.ts, not a float16 bound. Winograd stores the transformed weights
// G g Gᵀ as f16, so its oracle is the float64 Winograd algorithm with those rounded instead.
// The test below checks that reference against the direct one.

const SKIP_NOTE = "the device lacks the WebGPU 'shader-f16' feature, so f16 weights cannot run here";

const convBase: Conv2dShape = {
  batch: 1, inChannels: 1, inHeight: 1, inWidth: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 1,
  strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
  padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1,
};

const plain: Epilogue = { bias: false, activation: { kind: 'none' }, residual: 'none' };
const biasRelu6: Epilogue = { bias: true, activation: { kind: 'clip', min: 0, max: 6 }, residual: 'none' };
const resnetAdd: Epilogue = { bias: true, activation: { kind: 'relu' }, residual: 'beforeActivation' };
const projectAdd: Epilogue = { bias: true, activation: { kind: 'none' }, residual: 'afterActivation' };

// Shapes from conv2d.test.ts that, together, reach every convolution variant and both weight
// layouts (vec4 and scalar), including weight counts that are not a multiple of 4.
const convCases: Array<[string, Partial<Conv2dShape>, Epilogue]> = [
  ['pointwise 7x7, odd channels', { inChannels: 5, outChannels: 7, inHeight: 7, inWidth: 7 }, projectAdd],
  ['pointwise 4x8, channels of 8', { inChannels: 16, outChannels: 24, inHeight: 4, inWidth: 8 }, biasRelu6],
  ['stem 3x3 stride 2, pads 0 0 1 1', {
    inChannels: 3, outChannels: 8, inHeight: 9, inWidth: 9, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['3x3 pad 1, batch 2, odd sizes', {
    batch: 2, inChannels: 6, outChannels: 5, inHeight: 7, inWidth: 5, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['3x3 pad 1 on 5x9, batch 2, 14 channels', {
    batch: 2, inChannels: 14, outChannels: 9, inHeight: 5, inWidth: 9, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['3x3 no padding, 16 channels', {
    inChannels: 16, outChannels: 16, inHeight: 6, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
  }, biasRelu6],
  ['depthwise 3x3, 21 wide', {
    inChannels: 3, outChannels: 3, groups: 3, inHeight: 10, inWidth: 21, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 3x3 on 6x10', {
    batch: 2, inChannels: 3, outChannels: 3, groups: 3, inHeight: 6, inWidth: 10, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, projectAdd],
  ['depthwise 3x3 on 5x7, 8 channels', {
    inChannels: 8, outChannels: 8, groups: 8, inHeight: 5, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 2, pads 0 0 1 1', {
    batch: 2, inChannels: 5, outChannels: 5, groups: 5, inHeight: 10, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 5x5 dilation 2', {
    inChannels: 4, outChannels: 4, groups: 4, inHeight: 10, inWidth: 9, kernelHeight: 5, kernelWidth: 5,
    dilationHeight: 2, dilationWidth: 2, padTop: 4, padLeft: 4, padBottom: 4, padRight: 4,
  }, plain],
  ['grouped 2 groups', {
    inChannels: 6, outChannels: 4, groups: 2, inHeight: 5, inWidth: 6, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 0, padBottom: 0, padRight: 2,
  }, projectAdd],
];

const gemmBase: GemmShape = { batch: 1, M: 1, N: 1, K: 1, transposeA: false, transposeB: false, alpha: 1, broadcastB: false };
const biasOnly: Epilogue = { bias: true, activation: { kind: 'none' }, residual: 'none' };

// Shapes from gemm.test.ts that reach every GEMM variant with B read as vec4 and as scalars.
const gemmCases: Array<[string, Partial<GemmShape>, Epilogue]> = [
  ['classifier row, transposed B', { M: 1, N: 37, K: 64, transposeB: true }, biasOnly],
  ['odd sizes', { M: 13, N: 11, K: 7 }, biasRelu6],
  ['aligned 16x24x32', { M: 16, N: 24, K: 32 }, resnetAdd],
  ['batched, shared transposed B', { batch: 2, M: 4, N: 16, K: 12, broadcastB: true, transposeB: true }, plain],
  ['batched rows, transposed B', { batch: 2, M: 3, N: 70, K: 20, transposeB: true }, biasOnly],
];

/** Rounds one value to the nearest float16 (through float32, as the packing does). */
function roundNumberToFloat16(value: number): number {
  return float16BitsToNumber(float32ToFloat16Bits(Math.fround(value)));
}

/** Rounds each value to the nearest float16, as the f16 weight buffer stores it. */
function roundToFloat16(values: Float32Array): Float32Array {
  return Float32Array.from(values, (v) => float16BitsToNumber(float32ToFloat16Bits(v)));
}

// Variants are listed for a device with 8-lane subgroups, so the tables name the subgroup
// variants too. Each case then runs only if the test device can run it.
const LISTING_TARGET: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };

let gpu: OffshelfDevice;
let target: KernelTarget;
let hasF16 = false;
beforeAll(async () => {
  gpu = await requestDevice();
  target = kernelTargetOf(gpu.device);
  hasF16 = gpu.device.features.has('shader-f16');
  if (!hasF16) console.warn(`weights-f16.test.ts: skipping, ${SKIP_NOTE}.`);
});
afterAll(() => gpu?.destroy());

describe('conv2d variants with f16 weights', () => {
  const runs = convCases.flatMap(([name, partial, epilogue], caseIndex) => {
    const shape = { ...convBase, ...partial };
    return conv2dVariants(shape, LISTING_TARGET).map((variant) => [`${name} / ${variant}`, shape, epilogue, variant, caseIndex] as const);
  });

  it.for(runs)('%s', async ([label, shape, epilogue, variant, caseIndex], context) => {
    if (!hasF16) context.skip(SKIP_NOTE);
    if (!conv2dVariants(shape, target).includes(variant)) context.skip(`${variant} needs subgroups of 8 to 64 lanes`);
    const random = seededUniform(3000 + caseIndex);
    const input = randomTensor(shape.batch * shape.inChannels * shape.inHeight * shape.inWidth, random);
    const weightLength = (shape.outChannels * shape.inChannels * shape.kernelHeight * shape.kernelWidth) / shape.groups;
    const weights = randomTensor(weightLength, random);
    const outputLength = conv2dOutputLength(shape);
    const bias = epilogue.bias ? randomTensor(shape.outChannels, random) : null;
    const residual = epilogue.residual === 'none' ? null : randomTensor(outputLength, random);

    const kernel = selectConv2d(shape, epilogue, { ...target, variant, weightPrecision: 'f16' });
    expect(kernel.weightPrecision).toBe('f16');
    const packed = kernel.packWeights(weights);
    expect(packed).toBeInstanceOf(Uint16Array);
    const output = await runConv2d(gpu.device, shape, kernel, epilogue, { input, weights: packed, bias, residual });

    // Winograd rounds its transformed weights to f16, so its reference applies the transforms too.
    let expected = conv2dReference(shape, epilogue, input, roundToFloat16(weights), bias, residual);
    if (variant === WINOGRAD_VARIANT) {
      expected = winogradConv2dReference(shape, epilogue, input, weights, bias, residual, roundNumberToFloat16, 2);
    }
    if (variant === WINOGRAD_4X4_VARIANT) {
      expected = winogradConv2dReference(shape, epilogue, input, weights, bias, residual, roundNumberToFloat16, 4);
    }
    const reductionLength = (shape.inChannels / shape.groups) * shape.kernelHeight * shape.kernelWidth;
    const tolerance = reductionTolerance(reductionLength) * (variant === WINOGRAD_4X4_VARIANT ? WINOGRAD_4X4_ERROR_FACTOR : 1);
    const summary = compareToReference(label, output, expected, tolerance);
    expect(summary.passed, summary.message).toBe(true);
  });
});

describe('float64 Winograd reference', () => {
  // Oracle: the direct float64 convolution. Without rounding the transformed weights, the
  // Winograd algorithm is exact, so the two differ only by float64 rounding (about 1e-15).
  it('matches the direct convolution', () => {
    const shape = { ...convBase, batch: 2, inChannels: 3, outChannels: 4, inHeight: 5, inWidth: 7, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 0, padBottom: 1, padRight: 2 };
    const random = seededUniform(7);
    const input = randomTensor(2 * 3 * 5 * 7, random);
    const weights = randomTensor(4 * 3 * 9, random);
    const residual = randomTensor(conv2dOutputLength(shape), random);
    const bias = randomTensor(4, random);
    const expected = conv2dReference(shape, resnetAdd, input, weights, bias, residual);
    for (const tile of [2, 4] as const) {
      const actual = winogradConv2dReference(shape, resnetAdd, input, weights, bias, residual, undefined, tile);
      const maxError = expected.reduce((max, e, i) => Math.max(max, Math.abs(e - actual[i]!)), 0);
      expect(maxError, `F(${tile}x${tile}, 3x3): max abs error ${maxError}`).toBeLessThan(1e-12);
    }
  });
});

describe('gemm variants with f16 B', () => {
  const runs = gemmCases.flatMap(([name, partial, epilogue], caseIndex) => {
    const shape = { ...gemmBase, ...partial };
    return gemmVariants(shape, LISTING_TARGET).map((variant) => [`${name} / ${variant}`, shape, epilogue, variant, caseIndex] as const);
  });

  it.for(runs)('%s', async ([label, shape, epilogue, variant, caseIndex], context) => {
    if (!hasF16) context.skip(SKIP_NOTE);
    if (!gemmVariants(shape, target).includes(variant)) context.skip(`${variant} needs subgroups of 8 to 64 lanes`);
    const random = seededUniform(4000 + caseIndex);
    const a = randomTensor(shape.batch * shape.M * shape.K, random);
    const b = randomTensor((shape.broadcastB ? 1 : shape.batch) * shape.K * shape.N, random);
    const outputLength = shape.batch * shape.M * shape.N;
    const bias = epilogue.bias ? randomTensor(shape.N, random) : null;
    const residual = epilogue.residual === 'none' ? null : randomTensor(outputLength, random);

    const kernel = selectGemm(shape, epilogue, { ...target, variant, bPrecision: 'f16' });
    expect(kernel.bPrecision).toBe('f16');
    const inputs = [a, kernel.packB(b)];
    if (bias) inputs.push(bias);
    if (residual) inputs.push(residual);
    const output = await runProgram(gpu.device, kernel.program, inputs, outputLength);

    const expected = gemmReference(shape, epilogue, a, roundToFloat16(b), bias, residual);
    const tolerance = reductionTolerance(shape.K) * Math.max(1, Math.abs(shape.alpha));
    const summary = compareToReference(label, output, expected, tolerance);
    expect(summary.passed, summary.message).toBe(true);
  });
});

describe('f16 weight shader code', () => {
  // A 3×3 stride-1 shape, so that every one-group variant, Winograd included, applies.
  const conv = { ...convBase, inChannels: 8, outChannels: 8, inHeight: 8, inWidth: 8, kernelHeight: 3, kernelWidth: 3 };
  const pointwise = { ...convBase, inChannels: 8, outChannels: 8, inHeight: 8, inWidth: 8 };
  // The program that reads the weights: a multi-pass variant's other passes bind none.
  const weightProgram = (kernel: Conv2dKernel) => conv2dPasses(kernel, plain).find((pass) => pass.inputs.includes('weights'))!.program;
  const programs = [
    ...[conv, pointwise].flatMap((shape) => conv2dVariants(shape, LISTING_TARGET).map((variant) => [variant, weightProgram(selectConv2d(shape, plain, { ...LISTING_TARGET, variant, weightPrecision: 'f16' })), weightProgram(selectConv2d(shape, plain, { ...LISTING_TARGET, variant }))] as const)),
    ...gemmVariants({ ...gemmBase, M: 8, N: 8, K: 8, transposeB: true }, LISTING_TARGET).map((variant) => {
      const shape = { ...gemmBase, M: 8, N: 8, K: 8, transposeB: true };
      return [variant, selectGemm(shape, plain, { ...LISTING_TARGET, variant, bPrecision: 'f16' }).program, selectGemm(shape, plain, { ...LISTING_TARGET, variant }).program] as const;
    }),
  ];

  it.each(programs)('%s opens with enable f16', (_, f16, f32) => {
    const firstStatement = f16.code.split('\n').map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('//'));
    expect(firstStatement).toBe('enable f16;');
    expect(f32.code).not.toContain('enable f16');
    expect(f16.shaderKey).not.toBe(f32.shaderKey);
  });

  it('counts 2 bytes per f16 weight in cost', () => {
    const f16 = selectConv2d(pointwise, plain, { weightPrecision: 'f16' }).program.cost!;
    const f32 = selectConv2d(pointwise, plain).program.cost!;
    expect(f32.bytes - f16.bytes).toBe(2 * 8 * 8);
    expect(f16.flops).toBe(f32.flops);

    const shape = { ...gemmBase, M: 3, N: 5, K: 7, transposeB: true };
    expect(selectGemm(shape, plain).program.cost!.bytes - selectGemm(shape, plain, { bPrecision: 'f16' }).program.cost!.bytes).toBe(2 * 5 * 7);
  });

  it('f16 rounding changes random weights', () => {
    // The rounding the oracle above applies is real: random weights change when stored as f16.
    const weights = randomTensor(64, seededUniform(5));
    const rounded = roundToFloat16(weights);
    expect(rounded.some((v, i) => v !== weights[i])).toBe(true);
  });
});
