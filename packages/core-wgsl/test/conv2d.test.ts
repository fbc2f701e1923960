import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  conv2dOutputLength,
  conv2dOutputShape,
  conv2dVariants,
  DEPTHWISE_FOUR_PLANES_VARIANT,
  DEPTHWISE_ROW_PAIRS_VARIANT,
  DEPTHWISE_STRIP_VARIANT,
  depthwiseStripWidth,
  pointwiseBlockColumns,
  pointwiseBlockRows,
  kernelTargetOf,
  runConv2d,
  selectConv2d,
  WINOGRAD_4X4_VARIANT,
  subgroupLanesOf,
  type KernelTarget,
  type Conv2dShape,
  type Epilogue,
} from '../src/index';
import { compareToReference, reductionTolerance, WINOGRAD_4X4_ERROR_FACTOR } from './reference/compare';
import { conv2dReference } from './reference/conv2d';
import { randomTensor, seededUniform } from './reference/conv-gemm-random';

// Oracle: the float64 convolution in test/reference/conv2d.ts, written from the ONNX Conv definition.

const base: Conv2dShape = {
  batch: 1, inChannels: 1, inHeight: 1, inWidth: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 1,
  strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
  padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1,
};

const plain: Epilogue = { bias: false, activation: { kind: 'none' }, residual: 'none' };
const biasRelu6: Epilogue = { bias: true, activation: { kind: 'clip', min: 0, max: 6 }, residual: 'none' };
const resnetAdd: Epilogue = { bias: true, activation: { kind: 'relu' }, residual: 'beforeActivation' };
const projectAdd: Epilogue = { bias: true, activation: { kind: 'none' }, residual: 'afterActivation' };
const leaky: Epilogue = { bias: true, activation: { kind: 'leakyRelu', alpha: 0.1 }, residual: 'none' };
const hardSwishAfter: Epilogue = { bias: false, activation: { kind: 'hardSwish' }, residual: 'afterActivation' };

const cases: Array<[string, Partial<Conv2dShape>, Epilogue]> = [
  ['1x1 image, 1x1 kernel', { inChannels: 3, outChannels: 5 }, biasRelu6],
  ['pointwise 7x7, odd channels', { inChannels: 5, outChannels: 7, inHeight: 7, inWidth: 7 }, projectAdd],
  ['pointwise 4x8, channels of 8', { inChannels: 16, outChannels: 24, inHeight: 4, inWidth: 8 }, biasRelu6],
  ['pointwise batch 3', { batch: 3, inChannels: 9, outChannels: 10, inHeight: 3, inWidth: 5 }, resnetAdd],
  // Several channel blocks per workgroup (8 lanes along 7 pixel blocks, three blocks of 24 channels).
  ['pointwise 7x7 to 72 channels, batch 2', { batch: 2, inChannels: 12, outChannels: 72, inHeight: 7, inWidth: 7 }, resnetAdd],
  ['pointwise 16x16 to 40 channels', { inChannels: 20, outChannels: 40, inHeight: 16, inWidth: 16 }, biasRelu6],
  // 72 pixel blocks: two workgroups along the pixels, the second mostly past the edge.
  ['pointwise 24x24 to 33 channels', { inChannels: 8, outChannels: 33, inHeight: 24, inWidth: 24 }, hardSwishAfter],
  ['stem 3x3 stride 2, pads 0 0 1 1', {
    inChannels: 3, outChannels: 8, inHeight: 9, inWidth: 9, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['3x3 pad 1, batch 2, odd sizes', {
    batch: 2, inChannels: 6, outChannels: 5, inHeight: 7, inWidth: 5, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 1', {
    inChannels: 6, outChannels: 6, groups: 6, inHeight: 9, inWidth: 11, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  // The subgroup depthwise kernel: a second, mostly empty band along x, a partial row band, pads
  // only at the top left, and a channel multiplier of 2.
  ['depthwise 3x3 on 12x68, batch 2', {
    batch: 2, inChannels: 3, outChannels: 3, groups: 3, inHeight: 12, inWidth: 68, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 3x3 pads 1 1 0 0 on 9x8', {
    inChannels: 5, outChannels: 5, groups: 5, inHeight: 9, inWidth: 8, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1,
  }, leaky],
  ['depthwise 3x3 multiplier 2 on 8x12', {
    inChannels: 2, outChannels: 4, groups: 2, inHeight: 8, inWidth: 12, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 2 on 20x136, pads 0 0 1 1', {
    batch: 2, inChannels: 3, outChannels: 3, groups: 3, inHeight: 20, inWidth: 136, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 3x3 stride 2 on 13x16, pads 1', {
    inChannels: 4, outChannels: 8, groups: 4, inHeight: 13, inWidth: 16, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 2, pads 0 0 1 1', {
    batch: 2, inChannels: 5, outChannels: 5, groups: 5, inHeight: 10, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 1x1 image', {
    inChannels: 4, outChannels: 4, groups: 4, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, leaky],
  ['depthwise multiplier 2', {
    inChannels: 3, outChannels: 6, groups: 3, inHeight: 6, inWidth: 6, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, plain],
  // Two strips of 14 columns per row in the strip kernel, with a residual input.
  ['depthwise 3x3 on 28x28, residual', {
    batch: 2, inChannels: 3, outChannels: 3, groups: 3, inHeight: 28, inWidth: 28, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, projectAdd],
  // Rows of an even width that is not a multiple of 4: vec2 loads and stores in the strip kernel.
  ['depthwise 3x3 on 10x14, residual', {
    batch: 2, inChannels: 3, outChannels: 3, groups: 3, inHeight: 10, inWidth: 14, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  // Two rows, so the row-pair kernel stores its first pair after the loop, and 8 planes: whole
  // 8-invocation workgroups, which skip the bounds check.
  ['depthwise 3x3 on 2x4, 8 planes', {
    batch: 2, inChannels: 4, outChannels: 4, groups: 4, inHeight: 2, inWidth: 4, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  // One strip per row with scalar loads: the outer window columns are padding in every row.
  ['depthwise 3x3 on 7x7 planes', {
    batch: 2, inChannels: 5, outChannels: 5, groups: 5, inHeight: 7, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  // Four planes per invocation, a quad of rows at a time. 7 rows: quads that span two planes, 24
  // planes in 6 groups (a partial workgroup), and a residual read as vec4s across planes.
  ['depthwise 3x3 on 7x7, 12 channels, batch 2', {
    batch: 2, inChannels: 12, outChannels: 12, groups: 12, inHeight: 7, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  // 3 rows, fewer than a quad, so one quad spans three planes. 32 planes are 8 whole groups.
  ['depthwise 3x3 on 3x5, 32 channels', {
    inChannels: 32, outChannels: 32, groups: 32, inHeight: 3, inWidth: 5, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, plain],
  // The widest rows the kernel takes, without a bias and with the residual after the activation.
  ['depthwise 3x3 on 6x15, 8 channels', {
    inChannels: 8, outChannels: 8, groups: 8, inHeight: 6, inWidth: 15, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, hardSwishAfter],
  // One row per plane: every row is a plane's first and last.
  ['depthwise 3x3 on 1x3, 8 channels', {
    inChannels: 8, outChannels: 8, groups: 8, inHeight: 1, inWidth: 3, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, leaky],
  // One stride-2 strip per row, with padding on the right only.
  ['depthwise 3x3 stride 2 on 14x14, pads 0 0 1 1', {
    inChannels: 3, outChannels: 3, groups: 3, inHeight: 14, inWidth: 14, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, resnetAdd],
  // Two stride-2 strips of 7 outputs per row, the second starting at input column 14: vec2 loads
  // and scalar stores.
  ['depthwise 3x3 stride 2 on 28x28, pads 0 0 1 1', {
    batch: 2, inChannels: 5, outChannels: 5, groups: 5, inHeight: 28, inWidth: 28, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 2 on 12x12, pads 0 0 1 1', {
    inChannels: 4, outChannels: 4, groups: 4, inHeight: 12, inWidth: 12, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 3x3 on 16x16 planes', {
    batch: 2, inChannels: 3, outChannels: 3, groups: 3, inHeight: 16, inWidth: 16, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 3x3 stride 2, 20x30', {
    inChannels: 2, outChannels: 2, groups: 2, inHeight: 20, inWidth: 30, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 5x5 dilation 2', {
    inChannels: 4, outChannels: 4, groups: 4, inHeight: 10, inWidth: 9, kernelHeight: 5, kernelWidth: 5,
    dilationHeight: 2, dilationWidth: 2, padTop: 4, padLeft: 4, padBottom: 4, padRight: 4,
  }, leaky],
  ['depthwise 3x3 stride 2x1', {
    inChannels: 3, outChannels: 3, groups: 3, inHeight: 12, inWidth: 10, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 on 34x64 planes', {
    batch: 2, inChannels: 2, outChannels: 2, groups: 2, inHeight: 34, inWidth: 64, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 2, 66x40', {
    inChannels: 3, outChannels: 3, groups: 3, inHeight: 66, inWidth: 40, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  // Rows of 16 or more outputs take 8 outputs per invocation: a second vec4 that ends past the
  // right edge (21 wide) or starts past it (19 and 17 wide).
  ['depthwise 3x3, 21 wide', {
    inChannels: 3, outChannels: 3, groups: 3, inHeight: 10, inWidth: 21, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['depthwise 3x3, 19 wide, multiplier 2', {
    batch: 2, inChannels: 2, outChannels: 4, groups: 2, inHeight: 9, inWidth: 19, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['depthwise 3x3 stride 2, 17 wide', {
    inChannels: 2, outChannels: 2, groups: 2, inHeight: 18, inWidth: 34, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, leaky],
  ['depthwise 3x3 stride 3', {
    inChannels: 3, outChannels: 3, groups: 3, inHeight: 11, inWidth: 13, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 3, strideWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, plain],
  ['grouped 2 groups', {
    inChannels: 6, outChannels: 4, groups: 2, inHeight: 5, inWidth: 6, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 0, padBottom: 0, padRight: 2,
  }, projectAdd],
  ['dilation 2, stride 1x2', {
    inChannels: 4, outChannels: 3, inHeight: 11, inWidth: 9, kernelHeight: 3, kernelWidth: 2,
    strideWidth: 2, dilationHeight: 2, dilationWidth: 3, padTop: 2, padLeft: 1, padBottom: 1, padRight: 0,
  }, hardSwishAfter],
  ['kernel larger than input', {
    inChannels: 2, outChannels: 3, inHeight: 2, inWidth: 3, kernelHeight: 5, kernelWidth: 5,
    padTop: 2, padLeft: 2, padBottom: 2, padRight: 2,
  }, plain],
  ['1x1 stride 2', { inChannels: 7, outChannels: 9, inHeight: 5, inWidth: 6, strideHeight: 2, strideWidth: 2 }, leaky],
  ['pointwise 8x8, 36 channels', { inChannels: 36, outChannels: 20, inHeight: 8, inWidth: 8 }, resnetAdd],
  ['3x3 on 40x36, full workgroups', {
    inChannels: 4, outChannels: 10, inHeight: 40, inWidth: 36, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['pointwise 24x24, full workgroups', { batch: 2, inChannels: 12, outChannels: 20, inHeight: 24, inWidth: 24 }, biasRelu6],
  // 36 pixels are 9 groups of 4, so blocks of 8 folded columns straddle two images.
  ['pointwise 6x6 batch 3, folded', { batch: 3, inChannels: 10, outChannels: 33, inHeight: 6, inWidth: 6 }, projectAdd],
  ['3x3 stride 2 on 12x12 batch 3', {
    batch: 3, inChannels: 4, outChannels: 12, inHeight: 12, inWidth: 12, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['pointwise 23x23, odd pixel count', { inChannels: 6, outChannels: 9, inHeight: 23, inWidth: 23 }, projectAdd],
  // 225 scalar columns: the subgroup kernel keeps blocks of 8 columns, where most odd pixel counts take blocks of 7.
  ['pointwise 15x15, 8-column blocks', { inChannels: 5, outChannels: 9, inHeight: 15, inWidth: 15 }, resnetAdd],
  // 7×7 maps give each workgroup 8 channel blocks: 40 channels fill 2 blocks of 24, and the
  // other subgroups have no channels to compute.
  ['pointwise 7x7, 40 channels', { batch: 2, inChannels: 36, outChannels: 40, inHeight: 7, inWidth: 7 }, biasRelu6],
  ['stem 34x34 stride 2', {
    inChannels: 3, outChannels: 16, inHeight: 34, inWidth: 34, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1,
  }, biasRelu6],
  // Strided row windows: a ResNet-like 7×7 stride-2 stem and a 5×5 stride-2 layer with odd sizes.
  ['7x7 stride 2 stem, pads 3', {
    batch: 2, inChannels: 3, outChannels: 36, inHeight: 21, inWidth: 37, kernelHeight: 7, kernelWidth: 7,
    strideHeight: 2, strideWidth: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3,
  }, biasRelu6],
  ['5x5 stride 2, pads 2 1 1 2', {
    inChannels: 6, outChannels: 10, inHeight: 11, inWidth: 19, kernelHeight: 5, kernelWidth: 5,
    strideHeight: 2, strideWidth: 2, padTop: 2, padLeft: 1, padBottom: 1, padRight: 2,
  }, resnetAdd],
  ['5x5 conv 20 channels', {
    inChannels: 20, outChannels: 13, inHeight: 12, inWidth: 13, kernelHeight: 5, kernelWidth: 5,
    padTop: 2, padLeft: 2, padBottom: 2, padRight: 2,
  }, biasRelu6],
  ['3x3 stride 2x1, pads 0 2 1 0', {
    inChannels: 3, outChannels: 9, inHeight: 9, inWidth: 11, kernelHeight: 3, kernelWidth: 3,
    strideHeight: 2, padTop: 0, padLeft: 2, padBottom: 1, padRight: 0,
  }, biasRelu6],
  ['3x3 no padding, 17 wide', {
    batch: 2, inChannels: 10, outChannels: 17, inHeight: 6, inWidth: 17, kernelHeight: 3, kernelWidth: 3,
  }, resnetAdd],
  ['3x3 on 7x7, 24 channels', {
    inChannels: 12, outChannels: 24, inHeight: 7, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, projectAdd],
  // 3×3 stride 1, which Winograd F(2×2, 3×3) also runs: odd output sizes end in half-outside
  // tiles, and a 1×1 image is one tile that is mostly padding.
  ['3x3 pad 1 on 1x1 image', {
    inChannels: 5, outChannels: 3, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, biasRelu6],
  ['3x3 pad 1 on 5x9, batch 3', {
    batch: 3, inChannels: 7, outChannels: 9, inHeight: 5, inWidth: 9, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, resnetAdd],
  ['3x3 no padding on 7x7 to 5x5', {
    inChannels: 3, outChannels: 6, inHeight: 7, inWidth: 7, kernelHeight: 3, kernelWidth: 3,
  }, leaky],
  ['3x3 pads 1 0 0 2 on 6x8', {
    batch: 2, inChannels: 10, outChannels: 13, inHeight: 6, inWidth: 8, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 0, padBottom: 0, padRight: 2,
  }, projectAdd],
  ['3x3 pad 1 on 14x14, 64 channels', {
    inChannels: 64, outChannels: 20, inHeight: 14, inWidth: 14, kernelHeight: 3, kernelWidth: 3,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, hardSwishAfter],
  // The 1×1 subgroup kernel's blocks of 32 channels (64, and a partial block for 30) and 16.
  ['pointwise 14x14 to 64 channels, batch 2', { batch: 2, inChannels: 11, outChannels: 64, inHeight: 14, inWidth: 14 }, biasRelu6],
  ['pointwise 12x12 to 30 channels', { inChannels: 9, outChannels: 30, inHeight: 12, inWidth: 12 }, resnetAdd],
  ['pointwise 5x5 to 16 channels, batch 2', { batch: 2, inChannels: 7, outChannels: 16, inHeight: 5, inWidth: 5 }, projectAdd],
];

// Variants are listed for a device with 8-lane subgroups, so the table names the subgroup
// variants too. Each case then runs only if the test device can run it.
const LISTING_TARGET: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };

let gpu: OffshelfDevice;
let target: KernelTarget;
beforeAll(async () => {
  gpu = await requestDevice();
  target = kernelTargetOf(gpu.device);
});
afterAll(() => gpu?.destroy());

describe('conv2d variants against float64 reference', () => {
  const runs = cases.flatMap(([name, partial, epilogue], caseIndex) => {
    const shape = { ...base, ...partial };
    return conv2dVariants(shape, LISTING_TARGET).map((variant) => [`${name} / ${variant}`, shape, epilogue, variant, caseIndex] as const);
  });

  it.for(runs)('%s', async ([label, shape, epilogue, variant, caseIndex], context) => {
    if (!conv2dVariants(shape, target).includes(variant)) context.skip(`${variant} needs subgroups of 8 to 64 lanes`);
    await expectVariantMatches(label, shape, epilogue, variant, caseIndex, target);
  });

  // The subgroup register-blocked kernels run one subgroup per workgroup on CPU adapters and 64
  // invocations on GPUs. The other size runs here too, so both layouts are checked on any device.
  const otherWorkgroupRuns = runs.filter(([, , , variant]) => SUBGROUP_BLOCK_VARIANTS.includes(variant));
  it.for(otherWorkgroupRuns)('%s, other workgroup size', async ([label, shape, epilogue, variant, caseIndex], context) => {
    if (!conv2dVariants(shape, target).includes(variant)) context.skip(`${variant} needs subgroups of 8 to 64 lanes`);
    const other = { ...target, cpuAdapter: !target.cpuAdapter };
    expect(subgroupLanesOf(other).workgroupSize).not.toBe(subgroupLanesOf(target).workgroupSize);
    await expectVariantMatches(label, shape, epilogue, variant, caseIndex, other);
  });

  // The strip, row-pair and four-plane depthwise kernels run 8-invocation workgroups on CPU
  // adapters and 64 on GPUs.
  const stripRuns = runs.filter(([, , , variant]) =>
    [DEPTHWISE_STRIP_VARIANT, DEPTHWISE_ROW_PAIRS_VARIANT, DEPTHWISE_FOUR_PLANES_VARIANT].includes(variant));
  it.for(stripRuns)('%s, other workgroup size', async ([label, shape, epilogue, variant, caseIndex]) => {
    await expectVariantMatches(label, shape, epilogue, variant, caseIndex, { ...target, cpuAdapter: !target.cpuAdapter });
  });
});

const SUBGROUP_BLOCK_VARIANTS = [
  'pointwise-subgroup-32x8', 'implicit-gemm-subgroup-32x8', 'implicit-gemm-3x3-subgroup-32x8', 'im2col-gemm-subgroup-32x8',
];

/** Runs `variant` on random data seeded by `caseIndex` and compares it with the float64 reference. */
async function expectVariantMatches(
  label: string, shape: Conv2dShape, epilogue: Epilogue, variant: string, caseIndex: number, deviceTarget: KernelTarget,
): Promise<void> {
  const random = seededUniform(1000 + caseIndex);
  const input = randomTensor(shape.batch * shape.inChannels * shape.inHeight * shape.inWidth, random);
  const weightLength = (shape.outChannels * shape.inChannels * shape.kernelHeight * shape.kernelWidth) / shape.groups;
  const weights = randomTensor(weightLength, random);
  const outputLength = conv2dOutputLength(shape);
  const bias = epilogue.bias ? randomTensor(shape.outChannels, random) : null;
  const residual = epilogue.residual === 'none' ? null : randomTensor(outputLength, random);

  const kernel = selectConv2d(shape, epilogue, { variant, ...deviceTarget });
  expect(kernel.variant).toBe(variant);
  const output = await runConv2d(gpu.device, shape, kernel, epilogue, { input, weights: kernel.packWeights(weights), bias, residual });

  const expected = conv2dReference(shape, epilogue, input, weights, bias, residual);
  // Winograd F(2×2) gets the direct sums' tolerance too. Its transforms only add and subtract with
  // constants 1 and 1/2, so each product is at most 4 · 2.25 here, and its GEMM sums C products
  // rather than 9C. F(4×4)'s larger transform constants get WINOGRAD_4X4_ERROR_FACTOR times it.
  const reductionLength = (shape.inChannels / shape.groups) * shape.kernelHeight * shape.kernelWidth;
  const tolerance = reductionTolerance(reductionLength) * (variant === WINOGRAD_4X4_VARIANT ? WINOGRAD_4X4_ERROR_FACTOR : 1);
  const summary = compareToReference(label, output, expected, tolerance);
  expect(summary.passed, summary.message).toBe(true);
}

describe('conv2d shapes and selection', () => {
  it('output shape of the MobileNetV2 stem', () => {
    const stem = { ...base, inChannels: 3, outChannels: 32, inHeight: 224, inWidth: 224, kernelHeight: 3, kernelWidth: 3,
      strideHeight: 2, strideWidth: 2, padBottom: 1, padRight: 1 };
    expect(conv2dOutputShape(stem)).toEqual([1, 32, 112, 112]);
  });

  it('rejects groups that do not divide channels', () => {
    expect(() => selectConv2d({ ...base, inChannels: 6, outChannels: 4, groups: 4 }, plain)).toThrow(/groups \(4\)/);
  });

  it('rejects an unknown variant', () => {
    expect(() => selectConv2d(base, plain, { variant: 'winograd' })).toThrow(/variant 'winograd'/);
  });

  it('picks the fast path for each MobileNetV2 layer kind', () => {
    const square = (size: number, kernel: number, stride: number, pads: number[]) => ({
      inHeight: size, inWidth: size, kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
      padTop: pads[0]!, padLeft: pads[1]!, padBottom: pads[2]!, padRight: pads[3]!,
    });
    const stem = { ...base, inChannels: 3, outChannels: 32, ...square(224, 3, 2, [0, 0, 1, 1]) };
    const expand = { ...base, inChannels: 24, outChannels: 144, ...square(56, 1, 1, [0, 0, 0, 0]) };
    const depthwise = { ...base, inChannels: 144, outChannels: 144, groups: 144, ...square(56, 3, 2, [0, 0, 1, 1]) };
    const grouped = { ...base, inChannels: 8, outChannels: 8, groups: 2, ...square(8, 3, 1, [1, 1, 1, 1]) };
    expect(selectConv2d(stem, biasRelu6).variant).toBe('implicit-gemm-8x8');
    expect(selectConv2d(expand, biasRelu6).variant).toBe('pointwise-gemm-8x8');
    expect(selectConv2d(expand, biasRelu6, { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true }).variant).toBe('pointwise-subgroup-32x8');
    expect(selectConv2d(depthwise, biasRelu6).variant).toBe('depthwise-4x');
    expect(selectConv2d(grouped, plain).variant).toBe('direct');
  });

  it('puts the subgroup 1x1 variant first on a CPU adapter', () => {
    const pointwise = (inChannels: number) => ({ ...base, inChannels, outChannels: 96, inHeight: 28, inWidth: 28 });
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    expect(conv2dVariants(pointwise(64), cpu)[0]).toBe('pointwise-subgroup-32x8');
    expect(conv2dVariants(pointwise(16), cpu)[0]).toBe('pointwise-subgroup-32x8');
    expect(conv2dVariants({ ...pointwise(32), outChannels: 16 }, cpu)[0]).toBe('pointwise-subgroup-32x8');
    expect(conv2dVariants({ ...pointwise(32), outChannels: 8 }, cpu)[0]).toBe('pointwise-gemm-8x8');
    expect(conv2dVariants(pointwise(64), { ...cpu, cpuAdapter: false }).slice(0, 2)).toEqual(['pointwise-gemm-8x8', 'pointwise-subgroup-32x8']);
    expect(conv2dVariants(pointwise(64), { ...cpu, subgroupSizes: { min: 4, max: 4 } })).not.toContain('pointwise-subgroup-32x8');
    expect(conv2dVariants(pointwise(64), { cpuAdapter: true })).not.toContain('pointwise-subgroup-32x8');
  });

  it('drops subgroup variants past the workgroup limit', () => {
    // 4096 px at stride 2: 256 × 2048 = 524,288 blocks of 8 pixels. Workgroups of one 8-lane
    // subgroup would need 65,536 along x, one more than WebGPU allows. 64-lane ones need 8,192.
    const stem = {
      ...base, inChannels: 3, outChannels: 16, inHeight: 4096, inWidth: 4096, kernelHeight: 3, kernelWidth: 3,
      strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
    };
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    expect(conv2dVariants(stem, cpu)).not.toContain('implicit-gemm-subgroup-32x8');
    expect(conv2dVariants(stem, { ...cpu, cpuAdapter: false })).toContain('implicit-gemm-subgroup-32x8');
    expect(selectConv2d(stem, biasRelu6, cpu).variant).toBe('implicit-gemm-8x8');
    expect(conv2dVariants({ ...stem, inHeight: 4080, inWidth: 4080 }, cpu)[0]).toBe('implicit-gemm-subgroup-32x8');
  });

  it('fits 1x1 column blocks to subgroups', () => {
    const cpuLanes = { subgroupSize: 8, workgroupSize: 8 };
    // A 7×7 map at batch 8 and at batch 1: blocks of 7 fill whole subgroups.
    expect(pointwiseBlockColumns(392, false, cpuLanes)).toBe(7);
    expect(pointwiseBlockColumns(49, false, cpuLanes)).toBe(7);
    // 225 columns take 4 subgroups with blocks of 8 and 5 with blocks of 7.
    expect(pointwiseBlockColumns(225, false, cpuLanes)).toBe(8);
    expect(pointwiseBlockColumns(392, true, cpuLanes)).toBe(8);
    const key = (batch: number, size: number) => selectConv2d(
      { ...base, batch, inChannels: 16, outChannels: 32, inHeight: size, inWidth: size },
      biasRelu6,
      { variant: 'pointwise-subgroup-32x8', subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true },
    ).program.shaderKey;
    expect(key(8, 7)).toContain('|columns=7|');
    expect(key(1, 15)).toContain('|columns=8|');
    expect(key(8, 14)).toContain('|columns=8|');
  });

  it('fits 1x1 channel blocks to the channel count', () => {
    const rows = [16, 24, 30, 40, 72, 96, 144, 160, 1280].map(pointwiseBlockRows);
    expect(rows).toEqual([16, 24, 32, 24, 24, 32, 24, 32, 32]);
  });

  it('sizes subgroup workgroups per adapter', () => {
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    expect(subgroupLanesOf(cpu)).toEqual({ subgroupSize: 8, workgroupSize: 8 });
    expect(subgroupLanesOf({ ...cpu, cpuAdapter: false })).toEqual({ subgroupSize: 8, workgroupSize: 64 });
    expect(subgroupLanesOf({ subgroupSizes: { min: 32, max: 32 } })).toEqual({ subgroupSize: 32, workgroupSize: 64 });

    // MobileNetV2's 960->160 layer at 7x7: 7 pixel blocks and 5 channel blocks. One 64-lane
    // workgroup covers them all, 8-lane workgroups take one channel block each.
    const project = { ...base, inChannels: 960, outChannels: 160, inHeight: 7, inWidth: 7 };
    expect(selectConv2d(project, plain, cpu).program.dispatch).toEqual([1, 5, 1]);
    expect(selectConv2d(project, plain, { ...cpu, cpuAdapter: false, variant: 'pointwise-subgroup-32x8' }).program.dispatch).toEqual([1, 1, 1]);
  });

  it('orders the subgroup implicit GEMMs by reduction length', () => {
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    const conv3x3 = (inChannels: number, stride: number) => ({
      ...base, inChannels, outChannels: 64, inHeight: 28, inWidth: 28, kernelHeight: 3, kernelWidth: 3,
      strideHeight: stride, strideWidth: stride, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
    });
    expect(conv2dVariants(conv3x3(3, 2), cpu)[0]).toBe('implicit-gemm-subgroup-32x8');
    expect(conv2dVariants(conv3x3(64, 2), cpu).slice(0, 2)).toEqual(['im2col-gemm-subgroup-32x8', 'implicit-gemm-subgroup-32x8']);
    expect(conv2dVariants(conv3x3(64, 2), { ...cpu, cpuAdapter: false }).at(-2)).toBe('im2col-gemm-subgroup-32x8');
    expect(conv2dVariants(conv3x3(64, 2), { ...cpu, maxBindingBytes: 1024 })).not.toContain('im2col-gemm-subgroup-32x8');
    expect(conv2dVariants(conv3x3(2, 2), cpu)[0]).toBe('implicit-gemm-8x8');
    expect(conv2dVariants(conv3x3(2, 2), cpu)).toContain('implicit-gemm-subgroup-32x8');
    expect(conv2dVariants({ ...conv3x3(512, 1), outChannels: 512 }, cpu)[0]).toBe('implicit-gemm-3x3-subgroup-32x8');
    expect(conv2dVariants({ ...conv3x3(512, 1), outChannels: 512, batch: 8 }, cpu)[0]).toBe('winograd-2x2-3x3');
    expect(conv2dVariants(conv3x3(64, 1), cpu).slice(0, 2)).toEqual(['winograd-4x4-3x3', 'winograd-2x2-3x3']);
    expect(conv2dVariants(conv3x3(32, 1), cpu).slice(0, 2)).toEqual(['implicit-gemm-3x3-subgroup-32x8', 'implicit-gemm-3x3-8x8']);
    expect(conv2dVariants(conv3x3(32, 1), cpu)).toContain('winograd-2x2-3x3');
    expect(conv2dVariants(conv3x3(32, 1), { ...cpu, cpuAdapter: false })[0]).toBe('winograd-2x2-3x3');
    expect(conv2dVariants(conv3x3(8, 2), { ...cpu, cpuAdapter: false })[0]).toBe('implicit-gemm-8x8');
  });

  it('orders Winograd F(4x4) by tiles and channels', () => {
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    const conv3x3 = (channels: number, size: number, batch = 1) => ({
      ...base, batch, inChannels: channels, outChannels: channels, inHeight: size, inWidth: size, kernelHeight: 3, kernelWidth: 3,
      padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
    });
    expect(conv2dVariants(conv3x3(128, 28), cpu)[0]).toBe('winograd-4x4-3x3');
    // 16 tiles of 4x4 at batch 1, 32 at batch 2.
    expect(conv2dVariants(conv3x3(64, 14), cpu).slice(0, 2)).toEqual(['winograd-2x2-3x3', 'implicit-gemm-3x3-subgroup-32x8']);
    expect(conv2dVariants(conv3x3(64, 14, 2), cpu)[0]).toBe('winograd-4x4-3x3');
    // Above 128x128 channels its weights take too much memory, at any batch.
    expect(conv2dVariants(conv3x3(256, 56, 8), cpu)[0]).toBe('winograd-2x2-3x3');
    expect(conv2dVariants(conv3x3(256, 56, 8), cpu)).toContain('winograd-4x4-3x3');
    expect(conv2dVariants(conv3x3(64, 56), { ...cpu, cpuAdapter: false })[0]).toBe('winograd-2x2-3x3');
    expect(conv2dVariants(conv3x3(64, 56), { ...cpu, cpuAdapter: false })).toContain('winograd-4x4-3x3');
    expect(conv2dVariants({ ...conv3x3(64, 56), strideHeight: 2, strideWidth: 2 }, cpu)).not.toContain('winograd-4x4-3x3');
  });

  it('puts strip depthwise first on CPUs', () => {
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    const depthwise = (size: number) => ({
      ...base, inChannels: 32, outChannels: 32, groups: 32, inHeight: size, inWidth: size, kernelHeight: 3, kernelWidth: 3,
      padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
    });
    expect(conv2dVariants(depthwise(56), cpu)).toEqual(['depthwise-3x3-strip', 'depthwise-4x', 'depthwise-3x3-subgroup', 'direct']);
    expect(conv2dVariants({ ...depthwise(7), inChannels: 30, outChannels: 30, groups: 30 }, cpu)).toEqual(['depthwise-3x3-strip', 'depthwise-4x', 'direct']);
    expect(conv2dVariants(depthwise(56), { ...cpu, cpuAdapter: false })).toEqual(['depthwise-4x', 'depthwise-3x3-subgroup', 'depthwise-3x3-strip', 'direct']);
    expect(conv2dVariants(depthwise(56), { ...cpu, subgroupSizes: { min: 8, max: 16 } })).not.toContain('depthwise-3x3-subgroup');
    expect(conv2dVariants({ ...depthwise(56), padLeft: 0 }, cpu)).not.toContain('depthwise-3x3-subgroup');
    expect(conv2dVariants(depthwise(58), cpu)).not.toContain('depthwise-3x3-subgroup');
    const strided = (size: number) => ({ ...depthwise(size), strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0 });
    expect(conv2dVariants(strided(112), cpu)[0]).toBe('depthwise-3x3-strip');
    expect(conv2dVariants({ ...depthwise(56), dilationHeight: 2, dilationWidth: 2, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2 }, cpu))
      .toEqual(['depthwise-4x', 'direct']);
    expect(conv2dVariants({ ...strided(56), strideWidth: 1 }, cpu)).not.toContain('depthwise-3x3-strip');
  });

  it('puts row-pair depthwise first on CPUs', () => {
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    const depthwise = (height: number, width: number) => ({
      ...base, inChannels: 32, outChannels: 32, groups: 32, inHeight: height, inWidth: width, kernelHeight: 3, kernelWidth: 3,
      padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
    });
    expect(conv2dVariants(depthwise(14, 14), cpu)).toEqual([DEPTHWISE_ROW_PAIRS_VARIANT, 'depthwise-3x3-strip', 'depthwise-4x', 'direct']);
    expect(conv2dVariants(depthwise(16, 16), cpu)[0]).toBe(DEPTHWISE_ROW_PAIRS_VARIANT);
    expect(conv2dVariants(depthwise(14, 14), { ...cpu, cpuAdapter: false }).at(-2)).toBe(DEPTHWISE_ROW_PAIRS_VARIANT);
    // Odd heights or widths, wider rows, other pads and strides do not fit.
    for (const shape of [depthwise(7, 7), depthwise(13, 14), depthwise(14, 13), depthwise(28, 28),
      { ...depthwise(14, 14), padLeft: 0 }, { ...depthwise(14, 14), strideHeight: 2, strideWidth: 2 }]) {
      expect(conv2dVariants(shape, cpu)).not.toContain(DEPTHWISE_ROW_PAIRS_VARIANT);
    }
  });

  it('puts four-plane depthwise first on CPUs', () => {
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    const depthwise = (channels: number, height: number, width: number) => ({
      ...base, inChannels: channels, outChannels: channels, groups: channels, inHeight: height, inWidth: width,
      kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
    });
    expect(conv2dVariants(depthwise(960, 7, 7), cpu)).toEqual([DEPTHWISE_FOUR_PLANES_VARIANT, 'depthwise-3x3-strip', 'depthwise-4x', 'direct']);
    expect(conv2dVariants(depthwise(8, 4, 1), cpu)[0]).toBe(DEPTHWISE_FOUR_PLANES_VARIANT);
    expect(conv2dVariants(depthwise(8, 15, 15), cpu)[0]).toBe(DEPTHWISE_FOUR_PLANES_VARIANT);
    expect(conv2dVariants(depthwise(960, 7, 7), { ...cpu, cpuAdapter: false }).at(-2)).toBe(DEPTHWISE_FOUR_PLANES_VARIANT);
    // Channel counts not a multiple of 4, a channel multiplier, even or wider rows, other pads
    // and strides do not fit.
    for (const shape of [depthwise(6, 7, 7), { ...depthwise(8, 7, 7), outChannels: 16 }, depthwise(8, 7, 8), depthwise(8, 17, 17),
      { ...depthwise(8, 7, 7), padTop: 0 }, { ...depthwise(8, 7, 7), strideHeight: 2, strideWidth: 2 }]) {
      expect(conv2dVariants(shape, cpu)).not.toContain(DEPTHWISE_FOUR_PLANES_VARIANT);
    }
  });

  it('fits depthwise strips to the row', () => {
    expect([7, 14, 16, 28, 56, 112, 17, 30].map((width) => depthwiseStripWidth(width, 1))).toEqual([7, 14, 16, 14, 8, 8, 8, 10]);
    expect([8, 14, 28, 56, 9].map((width) => depthwiseStripWidth(width, 2))).toEqual([8, 7, 7, 7, 7]);
  });

  it('picks vector loads for depthwise strips', () => {
    const depthwise = (size: number, stride = 1) => ({
      ...base, inChannels: 8, outChannels: 8, groups: 8, inHeight: size, inWidth: size, kernelHeight: 3, kernelWidth: 3,
      strideHeight: stride, strideWidth: stride, padTop: 2 - stride, padLeft: 2 - stride, padBottom: 1, padRight: 1,
    });
    const key = (shape: Conv2dShape) => selectConv2d(shape, biasRelu6, { variant: DEPTHWISE_STRIP_VARIANT }).program.shaderKey;
    expect(key(depthwise(112))).toContain('|strip=8|partial=false|checkInner=false|paddingColumns=false|paddingVectors=false|vector=4|scalarOutput=false|');
    expect(key(depthwise(112, 2))).toContain('|strip=8|partial=false|checkInner=false|paddingColumns=false|paddingVectors=false|vector=4|scalarOutput=false|');
    // Rows of up to 28 vec4-aligned values take one strip, without loading the padding vectors.
    expect(key(depthwise(28))).toContain('|strip=28|partial=false|checkInner=false|paddingColumns=false|paddingVectors=true|vector=4|scalarOutput=false|');
    expect(key(depthwise(32))).toContain('|strip=8|partial=false|checkInner=false|paddingColumns=false|paddingVectors=false|vector=4|scalarOutput=false|');
    expect(key(depthwise(14))).toContain('|strip=14|partial=false|checkInner=false|paddingColumns=false|paddingVectors=true|vector=2|scalarOutput=false|');
    expect(key(depthwise(7))).toContain('|strip=7|partial=false|checkInner=false|paddingColumns=true|paddingVectors=false|vector=1|scalarOutput=false|');
    // At stride 2 with TensorFlow's pads (0 left, 1 right) only the last window column is padding,
    // and the kernel keeps both loads. Strips of 7 outputs start on even input columns: vec2 loads,
    // scalar stores.
    expect(key(depthwise(14, 2))).toContain('|strip=7|partial=false|checkInner=false|paddingColumns=false|paddingVectors=false|vector=2|scalarOutput=true|');
    expect(key(depthwise(28, 2))).toContain('|strip=7|partial=false|checkInner=false|paddingColumns=false|paddingVectors=false|vector=2|scalarOutput=true|');
    // An odd input width has no vec2 alignment.
    expect(key({ ...depthwise(15, 2), padBottom: 0, padRight: 0 })).toContain('|vector=1|scalarOutput=false|');
    expect(key({ ...depthwise(112), padLeft: 2 })).toContain('|vector=1|scalarOutput=false|');
  });

  it('picks Winograd for ResNet 3x3 stride 1', () => {
    const resnet = (stride: number, channels = 64) => ({
      ...base, inChannels: channels, outChannels: 64, inHeight: 56, inWidth: 56, kernelHeight: 3, kernelWidth: 3,
      strideHeight: stride, strideWidth: stride, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
    });
    expect(selectConv2d(resnet(1), resnetAdd).variant).toBe('winograd-2x2-3x3');
    expect(selectConv2d(resnet(1, 8), resnetAdd).variant).toBe('implicit-gemm-3x3-8x8');
    // 512×512 channels: the transformed weights would cost 16/9 the memory, so the default stays.
    const wide = { ...resnet(1, 512), outChannels: 512, inHeight: 7, inWidth: 7 };
    expect(selectConv2d(wide, resnetAdd).variant).toBe('implicit-gemm-3x3-8x8');
    expect(conv2dVariants(wide)).toContain('winograd-2x2-3x3');
    expect(selectConv2d(resnet(2), resnetAdd).variant).toBe('implicit-gemm-8x8');
    expect(conv2dVariants(resnet(2))).not.toContain('winograd-2x2-3x3');
    expect(conv2dVariants({ ...resnet(1), dilationHeight: 2, padTop: 2, padBottom: 2 })).not.toContain('winograd-2x2-3x3');
  });

  it('skips Winograd when its scratch exceeds a binding', () => {
    // 64 channels, 56×56: V and M are 16 × 64 × 28 × 28 floats = 3,211,264 bytes each.
    const shape = { ...base, inChannels: 64, outChannels: 64, inHeight: 56, inWidth: 56, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 };
    expect(conv2dVariants(shape, { maxBindingBytes: 3_211_264 })).toContain('winograd-2x2-3x3');
    expect(conv2dVariants(shape, { maxBindingBytes: 3_211_263 })).not.toContain('winograd-2x2-3x3');
    expect(selectConv2d(shape, plain, { maxBindingBytes: 3_211_263 }).variant).toBe('implicit-gemm-3x3-8x8');
  });

  it('direct applies to every shape', () => {
    for (const [, partial] of cases) expect(conv2dVariants({ ...base, ...partial })).toContain('direct');
  });
});

describe('clamp activations from uniforms', () => {
  const shape: Conv2dShape = { ...base, inChannels: 4, outChannels: 8, inHeight: 4, inWidth: 4 };
  const none: Epilogue = { bias: false, activation: { kind: 'none' }, residual: 'none' };
  const relu: Epilogue = { ...none, activation: { kind: 'relu' } };
  const clip: Epilogue = { ...none, activation: { kind: 'clip', min: -0.5, max: 0.25 } };

  it('no activation, ReLU and Clip share one pipeline per variant', () => {
    for (const variant of conv2dVariants(shape)) {
      const keys = new Set([none, relu, clip].map((epilogue) => selectConv2d(shape, epilogue, { variant }).program.shaderKey));
      expect(keys.size, variant).toBe(1);
    }
  });

  // Oracle: the float64 reference. Winograd's transforms subtract inputs, so an infinity can turn
  // into NaN (inf - inf), but every output that reads a non-finite input stays non-finite, and
  // only those: the transforms touch the same inputs per output as the 3×3 window.
  it('Winograd non-finite outputs match the reference', async () => {
    const conv3x3: Conv2dShape = { ...base, inChannels: 2, outChannels: 3, inHeight: 5, inWidth: 6, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 };
    const random = seededUniform(77);
    const input = randomTensor(2 * 5 * 6, random);
    input[7] = Number.POSITIVE_INFINITY;
    input[14] = Number.NaN;
    input[30 + 23] = Number.NEGATIVE_INFINITY;
    const weights = randomTensor(3 * 2 * 9, random);
    const kernel = selectConv2d(conv3x3, none, { variant: 'winograd-2x2-3x3' });
    const output = await runConv2d(gpu.device, conv3x3, kernel, none, { input, weights: kernel.packWeights(weights) });
    const expected = conv2dReference(conv3x3, none, input, weights, null, null);

    const nonFinite = (values: ArrayLike<number>) => Array.from(values, (v) => !Number.isFinite(v));
    expect(nonFinite(output)).toEqual(nonFinite(expected));
    expect(nonFinite(expected).filter(Boolean).length).toBeGreaterThan(0);
    const finite = expected.map((v) => (Number.isFinite(v) ? v : 0));
    const summary = compareToReference('winograd finite outputs', output.map((v) => (Number.isFinite(v) ? v : 0)), finite, reductionTolerance(18));
    expect(summary.passed, summary.message).toBe(true);
  });

  // Oracle: IEEE semantics, which the unfused ONNX graph has: x + 0 keeps NaN and infinities.
  it.each(conv2dVariants(shape))('no activation passes NaN and infinities through (%s)', async (variant) => {
    const input = new Float32Array(shape.inChannels * 16).fill(0);
    input[0] = Number.NaN;
    input[1] = Number.POSITIVE_INFINITY;
    input[2] = Number.NEGATIVE_INFINITY;
    const weights = new Float32Array(shape.outChannels * shape.inChannels);
    for (let o = 0; o < shape.outChannels; o++) weights[o * shape.inChannels] = 1;
    const kernel = selectConv2d(shape, none, { variant });
    const output = await runConv2d(gpu.device, shape, kernel, none, { input, weights: kernel.packWeights(weights) });
    for (let o = 0; o < shape.outChannels; o++) {
      const plane = output.subarray(o * 16, o * 16 + 3);
      expect(Number.isNaN(plane[0]), `channel ${o}: ${plane[0]}`).toBe(true);
      expect(plane[1]).toBe(Number.POSITIVE_INFINITY);
      expect(plane[2]).toBe(Number.NEGATIVE_INFINITY);
    }
  });
});
