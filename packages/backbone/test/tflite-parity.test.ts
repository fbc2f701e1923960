import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel, type FeatureExtractor, type Graph, type Tensor } from '../src/index';
import { compareTensors } from './helpers/compare';
import { CORAL_ONNX, fileSource, OPEN_IMAGES, SHARED } from './helpers/file-source';
import { imageTensor, rgbaImage } from './helpers/images';

// Oracle: the ONNX twin of the same network (weights dequantized by numpy from this file), run on
// the same runner, so any difference comes from the TFLite import: layouts, pads, dequantization.
// Tolerance 1e-3 relative max error on logits and features. Identical weights and pads give about
// 1e-6, while a wrong pad or a transposed filter gives errors above 1e-1, so 1e-3 separates them.
const TOLERANCE = 1e-3;
const SIZE = 224;
const TFLITE = join(SHARED, 'models/coral/mobilenet_v2_1.0_224_quant.tflite');
const EMBEDDING = join(SHARED, 'models/coral/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite');
const LABELS = join(SHARED, 'models/coral/imagenet_labels.txt');
const hasModels = existsSync(TFLITE) && existsSync(CORAL_ONNX);

let gpu: OffshelfDevice;
let tflite: Graph;
let tfliteExtractor: FeatureExtractor;
let onnxExtractor: FeatureExtractor;
let batch: Float32Array;
let labels: string[];

beforeAll(async () => {
  if (!hasModels) return;
  gpu = await requestDevice();
  tflite = await loadModel(fileSource(TFLITE));
  const onnx = await loadModel(fileSource(CORAL_ONNX));
  tfliteExtractor = await createFeatureExtractor(gpu.device, tflite, { batchSize: 2, keep: [tflite.metadata.classifierOutput!] });
  onnxExtractor = await createFeatureExtractor(gpu.device, onnx, { batchSize: 2, keep: ['logits'] });
  labels = readFileSync(LABELS, 'utf8').trim().split('\n');

  // x = (pixel − 128) / 128, the model's own input quantization.
  const images = await Promise.all(['cat.bmp', 'dragonfly.bmp'].map((name) => imageTensor(join(OPEN_IMAGES, name), SIZE, 128, 128)));
  batch = new Float32Array(2 * 3 * SIZE * SIZE);
  images.forEach((image, i) => batch.set(image, i * image.length));
});

afterAll(() => {
  tfliteExtractor?.dispose();
  onnxExtractor?.dispose();
  gpu?.destroy();
});

/** Returns the first name of the top-scoring label, because labels list synonyms after commas. */
function top1(logits: Float32Array, row: number, classes: number): string {
  let best = 0;
  for (let c = 1; c < classes; c++) if (logits[row * classes + c]! > logits[row * classes + best]!) best = c;
  return labels[best]!.split(',')[0]!;
}

/**
 * Runs both models once on the two images. The tests share the result, because a run with a
 * cold shader cache takes about a minute on lavapipe.
 */
let outputs: Promise<{ ours: Record<string, Tensor>; reference: Record<string, Tensor> }> | undefined;
function runBoth(): NonNullable<typeof outputs> {
  outputs ??= (async () => {
    const names = [tflite.metadata.classifierOutput!, tflite.metadata.featureOutput!];
    const ours = await tfliteExtractor.runTensors({ [tflite.inputs[0]!.name]: { data: batch, shape: [2, 3, SIZE, SIZE] } }, names);
    const reference = await onnxExtractor.runTensors({ input: { data: batch, shape: [2, 3, SIZE, SIZE] } }, ['logits', 'features']);
    return { ours, reference };
  })();
  return outputs;
}

const SLOW = 400_000;

describe.skipIf(!hasModels)('Coral MobileNetV2 TFLite on the runner', () => {
  it('ranks the expected labels first', async () => {
    const logitsName = tflite.metadata.classifierOutput!;
    const { ours } = await runBoth();
    const logits = ours[logitsName]!.data;
    expect(ours[logitsName]!.shape).toEqual([2, 1001]);
    expect(top1(logits, 0, 1001)).toBe('Egyptian cat');
    expect(top1(logits, 1, 1001)).toBe('dragonfly');
  }, SLOW);

  it('matches the ONNX twin logits and features', async () => {
    const { ours, reference } = await runBoth();
    const logitsError = compareTensors(ours[tflite.metadata.classifierOutput!]!.data, reference.logits!.data);
    expect(logitsError.relative, `logits: max abs ${logitsError.maxAbs}, relative ${logitsError.relative}; ${logitsError.first}`).toBeLessThan(TOLERANCE);
    const featureError = compareTensors(ours[tflite.metadata.featureOutput!]!.data, reference.features!.data);
    expect(featureError.relative, `features: max abs ${featureError.maxAbs}, relative ${featureError.relative}; ${featureError.first}`).toBeLessThan(TOLERANCE);
  }, SLOW);

  it('extracts 1280-d features', () => {
    expect(tfliteExtractor.featureSize).toBe(1280);
  });
});

describe.skipIf(!existsSync(EMBEDDING))('Coral MobileNetV1 embedding extractor', () => {
  it('extracts 1024-d features from an image', async () => {
    const graph = await loadModel(fileSource(EMBEDDING));
    const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 1 });
    try {
      expect(extractor.featureSize).toBe(1024);
      const [features] = await extractor.extract([await rgbaImage(join(OPEN_IMAGES, 'cat.bmp'))]);
      expect(features!.length).toBe(1024);

      // Pooled ReLU6 outputs lie in [0, 6], and a real photo activates some channels.
      expect(features!.every((v) => Number.isFinite(v) && v >= 0 && v <= 6)).toBe(true);
      expect(features!.some((v) => v > 0)).toBe(true);
    } finally {
      extractor.dispose();
    }
  }, SLOW);
});
