import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { float16BitsToNumber, float32ToFloat16Bits } from '@offshelf/core-wgsl';
import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, GraphRunner, loadModel, optimizeGraph, WeightPrecisionError, type Graph } from '../src/index';
import { compareTensors } from './helpers/compare';
import { CORAL_ONNX, fileSource, memorySource, OPEN_IMAGES } from './helpers/file-source';
import { imageTensor } from './helpers/images';
import { seededValues, tinyModel } from './helpers/tiny-model';

// Oracle for MobileNetV2: onnxruntime-node (CPU) with the model's float32 weights.
// Tolerance 1e-2 of the largest |value|: float16 keeps 11 significant bits, so each stored weight
// is off by at most 2^-12 ≈ 2.4e-4 relative. Over 53 layers these errors added up to 4e-3 of the
// feature range and 2e-3 of the logit range on cat.bmp. 1e-2 leaves room for that spread, while
// a wrongly decoded weight (f32 bits read as f16, a wrong offset) gives errors of order 1.
const F16_TOLERANCE = 1e-2;
const SIZE = 224;
const SKIP_NOTE = "the device lacks the WebGPU 'shader-f16' feature, so f16 weights cannot run here";

const hasModel = existsSync(CORAL_ONNX);
let gpu: OffshelfDevice;
let hasF16 = false;

beforeAll(async () => {
  gpu = await requestDevice();
  hasF16 = gpu.device.features.has('shader-f16');
  if (!hasF16) console.warn(`weights-f16.test.ts: skipping the f16 runs, ${SKIP_NOTE}.`);
});
afterAll(() => gpu?.destroy());

/** A device stand-in without `shader-f16`: the precision check reads only `features`. */
const deviceWithoutF16 = { features: new Set<string>() } as unknown as GPUDevice;

describe('weight precision option', () => {
  const model = tinyModel(
    [{ opType: 'Conv', inputs: ['x', 'w'], output: 'y', attributes: { kernel_shape: [1, 1] } }],
    { w: { dims: [2, 2, 1, 1], data: seededValues(4) } },
  );

  it('rejects f16 on a device without shader-f16', async () => {
    const graph = await loadModel(memorySource('conv.onnx', model.bytes));
    expect(() => new GraphRunner(deviceWithoutF16, graph, { weightPrecision: 'f16' })).toThrow(WeightPrecisionError);
    expect(() => new GraphRunner(deviceWithoutF16, graph, { weightPrecision: 'f16' })).toThrow(/'shader-f16'.*Use weightPrecision 'f32'/);
    await expect(createFeatureExtractor(deviceWithoutF16, graph, { layer: 'y', weightPrecision: 'f16' })).rejects.toThrow(/'shader-f16'/);
  });

  it('rejects an unknown precision', async () => {
    const graph = await loadModel(memorySource('conv.onnx', model.bytes));
    expect(() => new GraphRunner(gpu.device, graph, { weightPrecision: 'bf16' as 'f16' })).toThrow(/Invalid weightPrecision 'bf16'/);
  });
});

describe('MatMul with f16 weights', () => {
  // h = x · W with a constant W (weights, stored f16), then y = h · x with two activations (f32).
  const weights = seededValues(16, 7);
  const model = tinyModel(
    [
      { opType: 'MatMul', inputs: ['x', 'w'], output: 'h' },
      { opType: 'MatMul', inputs: ['h', 'x'], output: 'y' },
    ],
    { w: { dims: [4, 4], data: weights } },
    { inputShape: [4, 4] },
  );

  it('reads a constant B as f16 and an activation B as f32', async (context) => {
    if (!hasF16) context.skip(SKIP_NOTE);
    const graph = optimizeGraph(await loadModel(memorySource('matmul.onnx', model.bytes)));
    const x = seededValues(16, 3);
    const runner = new GraphRunner(gpu.device, graph, { weightPrecision: 'f16' });
    const { y } = await runner.run({ x: { data: x, shape: [4, 4] } }, ['y']);
    const constantBytes = runner.constants.byteLength;
    runner.destroy();

    // Oracle: the float64 product of x, W rounded to float16, and x. Sums of 4 products in f32 stay
    // within 1e-5 of it, while an activation read as f16 would be off by orders of magnitude.
    const rounded = Array.from(weights, (v) => float16BitsToNumber(float32ToFloat16Bits(v)));
    const multiply = (a: ArrayLike<number>, b: ArrayLike<number>): number[] =>
      Array.from({ length: 16 }, (_, i) => {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += a[Math.floor(i / 4) * 4 + k]! * b[k * 4 + (i % 4)]!;
        return sum;
      });
    const expected = multiply(multiply(x, rounded), x);
    const error = compareTensors(y!.data, expected);
    expect(error.maxAbs, `max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(1e-5);
    // 16 weights: 32 bytes as f16 against 64 as f32.
    expect(constantBytes).toBe(32);
  });
});

describe.skipIf(!hasModel)('Coral MobileNetV2 with f16 weights', { timeout: 300_000 }, () => {
  let graph: Graph;
  let session: ort.InferenceSession;
  let photo: Float32Array;

  beforeAll(async () => {
    graph = await loadModel(fileSource(CORAL_ONNX));
    session = await ort.InferenceSession.create(CORAL_ONNX);
    photo = await imageTensor(join(OPEN_IMAGES, 'cat.bmp'), SIZE, 128, 128);
  });
  afterAll(async () => {
    await session?.release();
  });

  it('matches onnxruntime within f16 weight rounding', async (context) => {
    if (!hasF16) context.skip(SKIP_NOTE);
    const shape = [1, 3, SIZE, SIZE];
    const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 1, keep: ['logits'], weightPrecision: 'f16' });
    const ours = await extractor.runTensors({ input: { data: photo, shape } }, ['features', 'logits']);
    extractor.dispose();
    const reference = await session.run({ input: new ort.Tensor('float32', photo, shape) });

    for (const name of ['features', 'logits']) {
      const error = compareTensors(ours[name]!.data, reference[name]!.data as Float32Array);
      console.log(`f16 weights, ${name}: max abs ${error.maxAbs.toExponential(3)}, relative ${error.relative.toExponential(3)}`);
      expect(error.relative, `${name}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(F16_TOLERANCE);
    }
    const argmax = (values: ArrayLike<number>): number => {
      let best = 0;
      for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
      return best;
    };
    expect(argmax(ours.logits!.data)).toBe(argmax(reference.logits!.data as Float32Array));
  });

  it('halves the weight bytes on the GPU', async (context) => {
    if (!hasF16) context.skip(SKIP_NOTE);
    // Weight bytes as float32: every Conv weight and the classifier's, as the ONNX file stores them.
    let weightBytes = 0;
    for (const node of graph.nodes) {
      if (node.opType !== 'Conv' && node.opType !== 'Gemm' && node.opType !== 'MatMul') continue;
      weightBytes += 4 * (graph.initializers.get(node.inputs[1]!)?.data.length ?? 0);
    }

    const measure = async (weightPrecision: 'f32' | 'f16') => {
      // Logits too, so that the classifier's weights (a third of the total) are on the GPU.
      const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 1, keep: ['logits'], weightPrecision });
      await extractor.runTensors({ input: { data: photo, shape: [1, 3, SIZE, SIZE] } }, ['features', 'logits']);
      const runner = new GraphRunner(gpu.device, optimizeGraph(graph), { weightPrecision });
      await runner.plan({ input: [1, 3, SIZE, SIZE] }, ['features', 'logits']);
      const result = { constantBytes: runner.constants.byteLength, peakBytes: extractor.peakGpuBytes };
      runner.destroy();
      extractor.dispose();
      return result;
    };
    const f32 = await measure('f32');
    const f16 = await measure('f16');
    const saved = f32.constantBytes - f16.constantBytes;
    console.log(
      `weights ${weightBytes} B as f32; constants ${f32.constantBytes} -> ${f16.constantBytes} B, ` +
        `peak ${f32.peakBytes} -> ${f16.peakBytes} B`,
    );

    // Half of the weight bytes, within 1%: buffers round up to 16 bytes and f16 ones to whole vec4.
    expect(Math.abs(saved - weightBytes / 2) / (weightBytes / 2), `saved ${saved} of ${weightBytes} weight bytes`).toBeLessThan(0.01);
    expect(f32.peakBytes - f16.peakBytes).toBe(saved);
  });
});
