import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXPAND_DEPTHWISE_VARIANT, hasSubgroupsOf8To64, kernelTargetOf, type KernelTarget } from '@offshelf/core-wgsl';

import { createFeatureExtractor, GraphRunner, loadModel, optimizeGraph, type FeatureExtractor, type Graph } from '../src/index';
import { inferShapes } from '../src/ir/shape-inference';
import { findExpandDepthwisePairs } from '../src/plan/lower-expand-depthwise';
import { compareTensors } from './helpers/compare';
import { CORAL_ONNX, fileSource, OPEN_IMAGES, SHARED } from './helpers/file-source';
import { imageTensor, listImages, rgbaImage } from './helpers/images';

// Oracle: onnxruntime-node (CPU) on the same NCHW tensors.
// Tolerance 1e-4 relative max error: float32 sums over up to 1280 × 9 terms in a different
// order than onnxruntime give errors around 1e-6 relative; 1e-4 leaves room without hiding bugs.
const TOLERANCE = 1e-4;
const SIZE = 224;

const hasModel = existsSync(CORAL_ONNX);
let gpu: OffshelfDevice;
let graph: Graph;
let extractor: FeatureExtractor;
let session: ort.InferenceSession;
let images: Float32Array[];

beforeAll(async () => {
  if (!hasModel) return;
  gpu = await requestDevice();
  graph = await loadModel(fileSource(CORAL_ONNX));
  extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 8, keep: ['logits'] });
  session = await ort.InferenceSession.create(CORAL_ONNX);
  const paths = await listImages(OPEN_IMAGES);
  images = await Promise.all(paths.map((path) => imageTensor(path, SIZE, 128, 128)));
});

afterAll(async () => {
  extractor?.dispose();
  await session?.release();
  gpu?.destroy();
});

function batchTensor(count: number): Float32Array {
  const plane = 3 * SIZE * SIZE;
  const data = new Float32Array(count * plane);
  for (let i = 0; i < count; i++) data.set(images[i % images.length]!, i * plane);
  return data;
}

async function compareWithOnnxRuntime(count: number): Promise<void> {
  const data = batchTensor(count);
  const shape = [count, 3, SIZE, SIZE];
  const ours = await extractor.runTensors({ input: { data, shape } }, ['features', 'logits']);
  const reference = await session.run({ input: new ort.Tensor('float32', data, shape) });

  for (const name of ['features', 'logits']) {
    const expected = reference[name]!;
    expect(ours[name]!.shape).toEqual(expected.dims);
    const error = compareTensors(ours[name]!.data, expected.data as Float32Array);
    expect(error.relative, `${name} at batch ${count}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
  }
}

// Batch 8 at 224×224 on lavapipe, on two cores shared with other jobs, can take minutes.
describe.skipIf(!hasModel)('Coral MobileNetV2 ONNX', { timeout: 300_000 }, () => {
  it('imports outputs and preprocessing', () => {
    expect(graph.outputs.map((o) => o.name)).toEqual(['logits', 'features']);
    expect(graph.metadata.featureOutput).toBe('features');
    expect(graph.metadata.preprocessing.mean[0]).toBeCloseTo(128 / 255, 6);
    expect(extractor.featureSize).toBe(1280);
  });

  it('matches onnxruntime at batch 1', async () => {
    await compareWithOnnxRuntime(1);
  });

  it('matches onnxruntime at batch 8', async () => {
    await compareWithOnnxRuntime(8);
  });

  // At 224 px the expansions before the 112 and 56 px stride-2 depthwise convolutions fuse. Those
  // at 28 and 14 px read 32 and 96 channels, too many for fusion to pay off.
  it('fuses expansions into stride-2 depthwise convolutions', async (context) => {
    const target = kernelTargetOf(gpu.device);
    if (!hasSubgroupsOf8To64(target) || !target.cpuAdapter) context.skip('only CPU adapters with subgroups of 8 to 64 lanes fuse');
    const optimized = optimizeGraph(graph);
    const fusedSteps = async (keep: string[]): Promise<string[]> => {
      const runner = new GraphRunner(gpu.device, optimized);
      const plan = await runner.plan({ input: [1, 3, SIZE, SIZE] }, keep);
      const nodes = plan.steps.filter((step) => step.program.name === `conv2d-${EXPAND_DEPTHWISE_VARIANT}`).map((step) => step.node);
      runner.destroy();
      return nodes;
    };

    const pairs = await fusedSteps(['features']);
    expect(pairs).toHaveLength(2);

    // A kept expansion output must be written, so its pair runs as two kernels.
    const expandName = pairs[0]!.split('+')[0];
    const expanded = optimized.nodes.find((node) => node.name === expandName)!.outputs[0]!;
    expect(await fusedSteps(['features', expanded])).toEqual(pairs.slice(1));
  });

  it('fuses only on CPU adapters with subgroups', () => {
    const optimized = optimizeGraph(graph);
    const shapes = new Map([...inferShapes(optimized, { input: [1, 3, SIZE, SIZE] })].map(([name, shape]) => [name, shape as number[]]));
    const keep = new Set(['features']);
    const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };

    // Two pairs, each listed under both node names.
    expect(findExpandDepthwisePairs(optimized, shapes, cpu, keep).size).toBe(4);
    expect(findExpandDepthwisePairs(optimized, shapes, { ...cpu, cpuAdapter: false }, keep).size).toBe(0);
    expect(findExpandDepthwisePairs(optimized, shapes, { cpuAdapter: true }, keep).size).toBe(0);
  });

  it('extracts features that classify photos', async () => {
    // Oracle: the labels the model's documentation lists for these photos (Egyptian cat, dragonfly),
    // from logits computed on the CPU in float64 with the model's own classifier weights.
    const labels = readFileSync(join(SHARED, 'models/coral/imagenet_labels.txt'), 'utf8').split('\n');
    const weight = graph.initializers.get('MobilenetV2/Logits/Conv2d_1c_1x1/weight')!;
    const bias = graph.initializers.get('MobilenetV2/Logits/Conv2d_1c_1x1/bias')!;
    const topLabel = (features: Float32Array): string => {
      const [classes, size] = weight.shape as [number, number];
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        let score = Number(bias.data[c]);
        for (let k = 0; k < size; k++) score += Number(weight.data[c * size + k]) * features[k]!;
        if (score > bestScore) [best, bestScore] = [c, score];
      }
      return labels[best]!.split(',')[0]!.trim();
    };

    const photos = await Promise.all(['cat.bmp', 'dragonfly.bmp'].map((name) => rgbaImage(join(OPEN_IMAGES, name))));
    const features = await extractor.extract(photos);
    expect(features.length).toBe(2);
    expect(features[0]!.length).toBe(1280);
    expect(topLabel(features[0]!)).toBe('Egyptian cat');
    expect(topLabel(features[1]!)).toBe('dragonfly');
  });

  it('plans batch 8 in far less memory than all activations', async () => {
    // With liveness, MobileNetV2 keeps two or three activations live at a time, not all 100 node outputs.
    let activationSum = 0;
    for (const info of graph.valueInfo.values()) activationSum += 8 * 4 * info.shape.slice(1).reduce<number>((a, b) => a * Number(b), 1);
    const runner = new GraphRunner(gpu.device, optimizeGraph(graph));
    const plan = await runner.plan({ input: [8, 3, SIZE, SIZE] }, ['features']);
    const activationBytes = plan.activationBytes;
    runner.destroy();

    expect(activationBytes, `batch-8 plan: ${activationBytes} activation bytes; sum of all activations ${activationSum}`).toBeLessThan(activationSum / 3);
  });
});
