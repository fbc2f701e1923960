import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  conv2dOutputLength,
  conv2dOutputShape,
  matchesWithinRounding,
  MemoryTuningCache,
  runProgram,
  selectConv2d,
  selectGemm,
  tunedVariantLookup,
  tuneKernels,
  TUNING_MARGIN,
  variantsFor,
  kernelTargetOf,
  type Conv2dShape,
  type Epilogue,
  type GemmShape,
  type TuningKey,
  type TuningTable,
} from '../src/index';
import { compareToReference, reductionTolerance } from './reference/compare';
import { conv2dReference } from './reference/conv2d';
import { gemmReference } from './reference/gemm';
import { randomTensor, seededUniform } from './reference/conv-gemm-random';

// Oracle for the network test: the float64 convolution and GEMM in test/reference, written
// from the ONNX Conv and Gemm definitions. The tuning tests themselves check bookkeeping.

const conv = (overrides: Partial<Conv2dShape>): Conv2dShape => ({
  batch: 1, inChannels: 1, inHeight: 1, inWidth: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 1,
  strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
  padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1, ...overrides,
});

const biasRelu6: Epilogue = { bias: true, activation: { kind: 'clip', min: 0, max: 6 }, residual: 'none' };
const biasOnly: Epilogue = { bias: true, activation: { kind: 'none' }, residual: 'none' };

// A tiny MobileNet-like chain: stem 3×3 stride 2, depthwise 3×3, pointwise 1×1, then a classifier GEMM.
const stem = conv({ batch: 2, inChannels: 3, inHeight: 12, inWidth: 12, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 });
const depthwise = conv({ batch: 2, inChannels: 8, inHeight: 6, inWidth: 6, outChannels: 8, groups: 8, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 });
const pointwise = conv({ batch: 2, inChannels: 8, inHeight: 6, inWidth: 6, outChannels: 16 });
const classifier: GemmShape = { batch: 1, M: 2, N: 5, K: 16 * 36, transposeA: false, transposeB: true, alpha: 1, broadcastB: true };

const networkKeys: TuningKey[] = [
  { kind: 'conv2d', shape: stem, epilogue: biasRelu6 },
  { kind: 'conv2d', shape: depthwise, epilogue: biasRelu6 },
  { kind: 'conv2d', shape: pointwise, epilogue: biasRelu6 },
  { kind: 'gemm', shape: classifier, epilogue: biasOnly },
];

/** Counts saves, to show that a pass served from the cache writes nothing. */
class CountingCache extends MemoryTuningCache {
  saves = 0;
  override async save(adapterKey: string, table: TuningTable): Promise<void> {
    this.saves += 1;
    await super.save(adapterKey, table);
  }
}

describe('matchesWithinRounding', () => {
  // For a reduction of 96 products the allowed difference is 2 · 4 · 6e-8 · 100 = 4.8e-5 relative to 1 + |expected|.
  const expected = Float32Array.from([0, 1, -2, 100]);

  it('accepts rounding-sized differences', () => {
    const actual = Float32Array.from(expected, (value) => value + 4e-5 * (1 + Math.abs(value)));
    expect(matchesWithinRounding(actual, expected, 96)).toBe(true);
  });

  it('rejects larger differences and NaN', () => {
    const shifted = Float32Array.from(expected, (value, i) => (i === 3 ? value + 6e-5 * 101 : value));
    expect(matchesWithinRounding(shifted, expected, 96)).toBe(false);
    expect(matchesWithinRounding(Float32Array.from([0, 1, NaN, 100]), expected, 96)).toBe(false);
  });
});

describe('kernel tuning', () => {
  let gpu: OffshelfDevice;
  beforeAll(async () => {
    gpu = await requestDevice();
  });
  afterAll(() => gpu?.destroy());

  it('picks applicable variants and caches them', async () => {
    const cache = new CountingCache();
    const first = await tuneKernels(gpu.device, networkKeys, { cache, adapterKey: 'test adapter', budgetMs: 100 });

    expect(first.results).toHaveLength(networkKeys.length);
    for (const result of first.results) {
      const applicable = variantsFor(result.key, kernelTargetOf(gpu.device));
      expect(applicable).toContain(result.choice.variant);
      expect(result.choice.defaultVariant).toBe(applicable[0]);
      expect(result.fromCache).toBe(false);
      // Another variant replaces the default only when it is faster by the margin.
      const { variant, defaultVariant, timesMs } = result.choice;
      if (variant !== defaultVariant) expect(timesMs[variant]!).toBeLessThanOrEqual((1 - TUNING_MARGIN) * timesMs[defaultVariant]!);
    }
    expect(first.timedDispatches).toBeGreaterThan(0);
    expect(cache.saves).toBe(1);
    expect(Object.keys(await cache.load('test adapter'))).toHaveLength(networkKeys.length);

    const second = await tuneKernels(gpu.device, networkKeys, { cache, adapterKey: 'test adapter', budgetMs: 100 });
    expect(second.timedDispatches).toBe(0);
    expect(second.results.every((result) => result.fromCache)).toBe(true);
    expect(second.results.map((r) => r.choice.variant)).toEqual(first.results.map((r) => r.choice.variant));
    expect(cache.saves).toBe(1);
  });

  it('skips variants past the budget', async () => {
    const key = networkKeys[2]!;
    const [result] = (await tuneKernels(gpu.device, [key], { cache: new MemoryTuningCache(), adapterKey: 'a', budgetMs: 0 })).results;
    const [defaultVariant, ...others] = variantsFor(key, kernelTargetOf(gpu.device));
    expect(others.length).toBeGreaterThan(0);
    expect(result!.skipped).toEqual(others);
    expect(Object.keys(result!.choice.timesMs)).toEqual([defaultVariant]);
    expect(result!.choice.variant).toBe(defaultVariant);
  });

  it('tunes a key whose default is Winograd, with no faster variant rejected', async () => {
    // A ResNet-like 3×3 stride-1 layer with a residual, where Winograd (three dispatches) is the default
    // and the one-dispatch implicit GEMMs the alternatives. A faster one is compared with Winograd's
    // output, so a rejection would mean the two disagree beyond float32 rounding.
    const resnetBlock = conv({ batch: 2, inChannels: 64, outChannels: 16, inHeight: 6, inWidth: 7, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 });
    const key: TuningKey = { kind: 'conv2d', shape: resnetBlock, epilogue: { bias: true, activation: { kind: 'relu' }, residual: 'beforeActivation' } };
    const [result] = (await tuneKernels(gpu.device, [key], { cache: new MemoryTuningCache(), adapterKey: 'a', budgetMs: 1000 })).results;
    expect(result!.choice.defaultVariant).toBe('winograd-2x2-3x3');
    expect(Object.keys(result!.choice.timesMs)).toEqual(expect.arrayContaining(['winograd-2x2-3x3', 'implicit-gemm-3x3-8x8']));
    expect(result!.rejected).toEqual([]);
  });

  it('times again for another adapter', async () => {
    const cache = new MemoryTuningCache();
    const keys = networkKeys.slice(2, 3);
    await tuneKernels(gpu.device, keys, { cache, adapterKey: 'adapter A', budgetMs: 50 });
    const other = await tuneKernels(gpu.device, keys, { cache, adapterKey: 'adapter B', budgetMs: 50 });
    expect(other.timedDispatches).toBeGreaterThan(0);
    expect(other.results[0]!.fromCache).toBe(false);
  });

  it('ignores a cached variant that no longer applies', async () => {
    const cache = new MemoryTuningCache();
    const [result] = (await tuneKernels(gpu.device, networkKeys.slice(2, 3), { cache, adapterKey: 'a', budgetMs: 50 })).results;
    const table = await cache.load('a');
    table[result!.keyString]!.variant = 'removed-variant';
    expect(tunedVariantLookup(table, kernelTargetOf(gpu.device))(result!.key)).toBeUndefined();
  });

  it('ignores and retunes a choice made among other variants', async () => {
    const cache = new MemoryTuningCache();
    const target = kernelTargetOf(gpu.device);
    const keys = networkKeys.slice(2, 3);
    const [result] = (await tuneKernels(gpu.device, keys, { cache, adapterKey: 'a', budgetMs: 50 })).results;
    const table = await cache.load('a');
    expect(tunedVariantLookup(table, target)(result!.key)).toBe(result!.choice.variant);

    // A choice tuned before a variant was added, and one written before candidates were recorded.
    const choice = table[result!.keyString]!;
    table[result!.keyString] = { ...choice, candidates: choice.candidates!.slice(0, -1) };
    expect(tunedVariantLookup(table, target)(result!.key)).toBeUndefined();
    table[result!.keyString] = { variant: choice.variant, defaultVariant: choice.defaultVariant, timesMs: choice.timesMs };
    expect(tunedVariantLookup(table, target)(result!.key)).toBeUndefined();
    await cache.save('a', table);
    const [retuned] = (await tuneKernels(gpu.device, keys, { cache, adapterKey: 'a', budgetMs: 50 })).results;
    expect(retuned!.fromCache).toBe(false);
    expect(retuned!.choice.candidates).toEqual(variantsFor(result!.key, target));
  });

  it('tuned network matches float64 reference', async () => {
    const cache = new MemoryTuningCache();
    await tuneKernels(gpu.device, networkKeys, { cache, adapterKey: 'net', budgetMs: 100 });
    const lookup = tunedVariantLookup(await cache.load('net'), kernelTargetOf(gpu.device));

    const random = seededUniform(7);
    const input = randomTensor(stem.batch * stem.inChannels * stem.inHeight * stem.inWidth, random);
    const weights = [stem, depthwise, pointwise].map((s) => randomTensor(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth, random));
    const biases = [stem, depthwise, pointwise].map((s) => randomTensor(s.outChannels, random));
    const classifierWeights = randomTensor(classifier.N * classifier.K, random);
    const classifierBias = randomTensor(classifier.N, random);

    // Each layer's reference gets the GPU output of the previous layer, so errors do not compound across layers.
    const runNetwork = async (chooseVariant: (key: TuningKey) => string | undefined) => {
      let x = input;
      const layers: Array<{ label: string; actual: Float32Array; expected: Float64Array; tolerance: number }> = [];
      for (const [i, key] of networkKeys.slice(0, 3).entries()) {
        const shape = key.shape as Conv2dShape;
        const kernel = selectConv2d(shape, key.epilogue, { ...kernelTargetOf(gpu.device), variant: chooseVariant(key) });
        const y = await runProgram(gpu.device, kernel.program, [x, kernel.packWeights(weights[i]!), biases[i]!], conv2dOutputLength(shape));
        const expected = conv2dReference(shape, key.epilogue, x, weights[i]!, biases[i]!, null);
        layers.push({ label: `conv ${i} (${kernel.variant})`, actual: y, expected, tolerance: reductionTolerance((shape.inChannels / shape.groups) * shape.kernelHeight * shape.kernelWidth) });
        x = y;
      }
      expect(conv2dOutputShape(pointwise)[1] * 36).toBe(classifier.K);
      const gemmKey = networkKeys[3]!;
      const gemm = selectGemm(classifier, gemmKey.epilogue, { ...kernelTargetOf(gpu.device), variant: chooseVariant(gemmKey) });
      const logits = await runProgram(gpu.device, gemm.program, [x, gemm.packB(classifierWeights), classifierBias], classifier.M * classifier.N);
      layers.push({
        label: `gemm (${gemm.variant})`,
        actual: logits,
        expected: gemmReference(classifier, gemmKey.epilogue, x, classifierWeights, classifierBias, null),
        tolerance: reductionTolerance(classifier.K),
      });
      return layers;
    };

    for (const [name, choose] of [['default', () => undefined], ['tuned', lookup]] as const) {
      for (const layer of await runNetwork(choose)) {
        // Tolerance: the float32 rounding bound of a sum of that many products of values in [-1, 1].
        const summary = compareToReference(`${name} ${layer.label}`, layer.actual, layer.expected, layer.tolerance);
        expect(summary.passed, summary.message).toBe(true);
      }
    }
  });
});
