import { existsSync } from 'node:fs';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel, type FeatureExtractor, type Graph } from '../src/index';
import { compareTensors } from './helpers/compare';
import { CORAL_ONNX, fileSource, OPEN_IMAGES } from './helpers/file-source';
import { imageTensor, listImages } from './helpers/images';

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

describe.skipIf(!hasModel)('Coral MobileNetV2 ONNX', () => {
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
});
