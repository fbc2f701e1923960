import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gemmVariants, kernelTargetOf, runGemm, selectGemm, type Epilogue, type GemmShape, type KernelTarget } from '../src/index';
import { compareToReference, reductionTolerance } from './reference/compare';
import { gemmReference } from './reference/gemm';
import { randomTensor, seededUniform } from './reference/conv-gemm-random';

// Oracle: the float64 GEMM in test/reference/gemm.ts, written from the ONNX Gemm/MatMul definitions.

const base: GemmShape = { batch: 1, M: 1, N: 1, K: 1, transposeA: false, transposeB: false, alpha: 1, broadcastB: false };

const plain: Epilogue = { bias: false, activation: { kind: 'none' }, residual: 'none' };
const biasOnly: Epilogue = { bias: true, activation: { kind: 'none' }, residual: 'none' };
const biasRelu6: Epilogue = { bias: true, activation: { kind: 'clip', min: 0, max: 6 }, residual: 'none' };
const residualRelu: Epilogue = { bias: true, activation: { kind: 'relu' }, residual: 'beforeActivation' };
const residualAfter: Epilogue = { bias: false, activation: { kind: 'sigmoid' }, residual: 'afterActivation' };

const cases: Array<[string, Partial<GemmShape>, Epilogue]> = [
  ['1x1x1', {}, biasOnly],
  ['classifier row, transposed B', { M: 1, N: 37, K: 64, transposeB: true }, biasOnly],
  ['odd sizes', { M: 13, N: 11, K: 7 }, biasRelu6],
  ['aligned 16x24x32', { M: 16, N: 24, K: 32 }, residualRelu],
  ['transposed A', { M: 9, N: 12, K: 10, transposeA: true }, residualAfter],
  ['both transposed, alpha 0.5', { M: 10, N: 7, K: 12, transposeA: true, transposeB: true, alpha: 0.5 }, biasOnly],
  ['batched', { batch: 3, M: 5, N: 8, K: 6 }, residualRelu],
  ['batched, shared B', { batch: 2, M: 9, N: 13, K: 20, broadcastB: true }, biasRelu6],
  ['batched, shared transposed B', { batch: 2, M: 4, N: 16, K: 12, broadcastB: true, transposeB: true }, plain],
  ['long reduction', { M: 3, N: 5, K: 1000 }, plain],
  ['batched rows, transposed B', { batch: 2, M: 3, N: 70, K: 20, transposeB: true }, residualAfter],
  ['transposed B, 20 rows', { M: 20, N: 9, K: 16, transposeB: true, alpha: -1.5 }, biasRelu6],
  ['wide aligned 33x64x48', { M: 33, N: 64, K: 48, alpha: 2 }, residualRelu],
  // 32-row blocks: a partial second block, several row blocks per workgroup, Winograd's batched layout.
  ['transposed A, 72 rows, batch 2', { batch: 2, M: 72, N: 20, K: 70, transposeA: true }, residualRelu],
  ['transposed A, 40 rows, vec4', { batch: 16, M: 40, N: 24, K: 65, transposeA: true }, plain],
  ['68 rows, 90 columns', { M: 68, N: 90, K: 33, alpha: 0.25 }, biasRelu6],
];

// Variants are listed for a device with 8-lane subgroups, so the table names the subgroup
// variant too. Each case then runs only if the test device can run it.
const LISTING_TARGET: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };

let gpu: OffshelfDevice;
let target: KernelTarget;
beforeAll(async () => {
  gpu = await requestDevice();
  target = kernelTargetOf(gpu.device);
});
afterAll(() => gpu?.destroy());

describe('gemm variants against float64 reference', () => {
  const runs = cases.flatMap(([name, partial, epilogue], caseIndex) => {
    const shape = { ...base, ...partial };
    return gemmVariants(shape, LISTING_TARGET).map((variant) => [`${name} / ${variant}`, shape, epilogue, variant, caseIndex] as const);
  });

  it.for(runs)('%s', async ([label, shape, epilogue, variant, caseIndex], context) => {
    if (!gemmVariants(shape, target).includes(variant)) context.skip(`${variant} needs subgroups of 8 to 64 lanes`);
    await expectVariantMatches(label, shape, epilogue, variant, caseIndex, target);
  });

  // subgroup-32x8 runs one subgroup per workgroup on CPU adapters and 64 invocations on GPUs. The
  // other size runs here too, so both layouts are checked on any device.
  const subgroupRuns = runs.filter(([, , , variant]) => variant === 'subgroup-32x8');
  it.for(subgroupRuns)('%s, other workgroup size', async ([label, shape, epilogue, variant, caseIndex], context) => {
    if (!gemmVariants(shape, target).includes(variant)) context.skip(`${variant} needs subgroups of 8 to 64 lanes`);
    await expectVariantMatches(label, shape, epilogue, variant, caseIndex, { ...target, cpuAdapter: !target.cpuAdapter });
  });
});

/** Runs `variant` on random data seeded by `caseIndex` and compares it with the float64 reference. */
async function expectVariantMatches(
  label: string, shape: GemmShape, epilogue: Epilogue, variant: string, caseIndex: number, deviceTarget: KernelTarget,
): Promise<void> {
  const random = seededUniform(2000 + caseIndex);
  const a = randomTensor(shape.batch * shape.M * shape.K, random);
  const b = randomTensor((shape.broadcastB ? 1 : shape.batch) * shape.K * shape.N, random);
  const outputLength = shape.batch * shape.M * shape.N;
  const bias = epilogue.bias ? randomTensor(shape.N, random) : null;
  const residual = epilogue.residual === 'none' ? null : randomTensor(outputLength, random);

  const kernel = selectGemm(shape, epilogue, { variant, ...deviceTarget });
  expect(kernel.variant).toBe(variant);
  const output = await runGemm(gpu.device, shape, kernel, epilogue, { a, b: kernel.packB(b), bias, residual });

  const expected = gemmReference(shape, epilogue, a, b, bias, residual);
  // alpha scales the sum and its rounding error alike.
  const tolerance = reductionTolerance(shape.K) * Math.max(1, Math.abs(shape.alpha));
  const summary = compareToReference(label, output, expected, tolerance);
  expect(summary.passed, summary.message).toBe(true);
}

describe('gemm selection', () => {
  it('picks dot-vec4 for a classifier row', () => {
    const classifier = { ...base, M: 1, N: 1001, K: 1280, transposeB: true };
    expect(selectGemm(classifier, biasOnly).variant).toBe('dot-vec4');
  });

  it('picks register-8x8 for a square GEMM', () => {
    expect(selectGemm({ ...base, M: 64, N: 64, K: 64 }, plain).variant).toBe('register-8x8');
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };
    expect(selectGemm({ ...base, M: 64, N: 64, K: 64 }, plain, cpu).variant).toBe('subgroup-32x8');
    expect(selectGemm({ ...base, M: 16, N: 64, K: 64 }, plain, cpu).variant).toBe('register-8x8');
    expect(selectGemm({ ...base, M: 64, N: 64, K: 64 }, plain, { ...cpu, cpuAdapter: false }).variant).toBe('register-8x8');
  });

  it('rejects a zero dimension', () => {
    expect(() => selectGemm({ ...base, K: 0 }, plain)).toThrow(/K must be a positive integer/);
  });

  it('rejects an unknown variant', () => {
    expect(() => selectGemm(base, plain, { variant: 'strassen' })).toThrow(/variant 'strassen'/);
  });
});
