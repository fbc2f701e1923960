import { describe, expect, it } from 'vitest';

import {
  conv2dVariants,
  gemmVariants,
  PLAIN_EPILOGUE,
  selectConv2d,
  selectGemm,
  type Conv2dShape,
  type GemmShape,
  type KernelTarget,
} from '../src/index';

// Every variant that the selectors list for a shape must be creatable for it. Large batches and
// channel counts push workgroup counts past WebGPU's 65,535 per dimension. A listed variant that
// cannot dispatch would fail only when a user picks a large batch size.

const cpu: KernelTarget = { cpuAdapter: true, subgroupSizes: { min: 8, max: 8 } };
const unpadded = { padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
const padded = { padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 };
const square = (kernel: number, stride: number) =>
  ({ kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride, dilationHeight: 1, dilationWidth: 1 });

const convShapes: Array<[string, Conv2dShape]> = [
  ['depthwise, 65,536 planes', { batch: 256, inChannels: 256, outChannels: 256, groups: 256, inHeight: 8, inWidth: 8, ...square(3, 1), ...padded }],
  ['depthwise stride 2, 65,536 planes', { batch: 256, inChannels: 256, outChannels: 256, groups: 256, inHeight: 8, inWidth: 8, ...square(3, 2), ...unpadded, padBottom: 1, padRight: 1 }],
  ['1x1, batch 70,000', { batch: 70000, inChannels: 8, outChannels: 8, groups: 1, inHeight: 4, inWidth: 4, ...square(1, 1), ...unpadded }],
  ['3x3, batch 70,000', { batch: 70000, inChannels: 8, outChannels: 8, groups: 1, inHeight: 4, inWidth: 4, ...square(3, 1), ...padded }],
  ['3x3 stride 2, batch 70,000', { batch: 70000, inChannels: 8, outChannels: 8, groups: 1, inHeight: 4, inWidth: 4, ...square(3, 2), ...padded }],
  ['3x3, 70,000 input channels', { batch: 1, inChannels: 70000, outChannels: 8, groups: 1, inHeight: 4, inWidth: 4, ...square(3, 1), ...padded }],
];

const gemmShapes: Array<[string, GemmShape]> = [
  ['batch 70,000', { batch: 70000, M: 8, N: 8, K: 8, transposeA: false, transposeB: false, alpha: 1, broadcastB: false }],
  ['600,000 rows', { batch: 1, M: 600000, N: 8, K: 64, transposeA: false, transposeB: true, alpha: 1, broadcastB: false }],
];

describe.each([['CPU adapter with subgroups', cpu], ['default target', {}]] as const)('listed variants fit the dispatch limits (%s)', (_, target) => {
  it.each(convShapes)('conv2d %s', (_label, shape) => {
    for (const variant of conv2dVariants(shape, target)) {
      expect(() => selectConv2d(shape, PLAIN_EPILOGUE, { ...target, variant }), variant).not.toThrow();
    }
  });

  it.each(gemmShapes)('gemm %s', (_label, shape) => {
    for (const variant of gemmVariants(shape, target)) {
      expect(() => selectGemm(shape, PLAIN_EPILOGUE, { ...target, variant }), variant).not.toThrow();
    }
  });
});
