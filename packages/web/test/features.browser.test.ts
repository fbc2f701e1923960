import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { createFeatureExtractor, loadModel, type RgbaImage } from '@offshelf/backbone';
import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI's decoder: sharp for JPEG/PNG, its own reader for BMP (sharp has no BMP loader).
import { decodeImageFile } from '../../cli/src/images/decode';
import { fileModelSource } from './support/file-source';
import { startHarness, type Harness } from './support/harness';
import { loadBackboneFromUrl, openApp } from './support/page';
import { sharedPath } from './support/shared';

/** The Coral MobileNetV2 as float ONNX and as the original uint8 TFLite file. */
const MODELS = ['models/onnx/mobilenet_v2_1.0_224_coral.onnx', 'models/coral/mobilenet_v2_1.0_224_quant.tflite'];
const IMAGE_DIR = 'images/open-images';
const BATCH_SIZE = 4;

let harness: Harness;
let gpu: OffshelfDevice;
beforeAll(async () => {
  harness = await startHarness();
  gpu = await requestDevice();
});
afterAll(async () => {
  await harness?.shutdown();
  gpu?.destroy();
});

async function extractInNode(model: string, images: RgbaImage[]): Promise<Float32Array[]> {
  const graph = await loadModel(fileModelSource(sharedPath(model)));
  const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: BATCH_SIZE });
  try {
    const features: Float32Array[] = [];
    for (let start = 0; start < images.length; start += BATCH_SIZE) {
      features.push(...(await extractor.extract(images.slice(start, start + BATCH_SIZE))));
    }
    return features;
  } finally {
    extractor.dispose();
  }
}

describe('page feature extraction', () => {
  it.each(MODELS)('matches Node runner features: %s', { timeout: 600_000 }, async (model) => {
    const fileNames = readdirSync(sharedPath(IMAGE_DIR)).filter((name) => /\.(bmp|jpe?g|png)$/i.test(name)).sort();
    const images = await Promise.all(fileNames.map((name) => decodeImageFile(join(sharedPath(IMAGE_DIR), name))));

    // Oracle: the same backbone run by the Node runner on Dawn (lavapipe); only the device differs.
    let started = performance.now();
    const nodeFeatures = await extractInNode(model, images);
    console.log(`Node runner: ${images.length} images in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    started = performance.now();
    const page = await openApp(harness);
    await loadBackboneFromUrl(page, `/shared/${model}`);
    console.log(`page: device and model import in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const references = images.map((image, i) => {
      const url = `/test/pixels/${i}.rgba`;
      harness.server.setRoute(url, image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data.buffer));
      return { url, width: image.width, height: image.height };
    });
    started = performance.now();
    const pageFeatures = await page.evaluate(
      (refs) => (globalThis as unknown as { offshelf: { extractRawImages: Function } }).offshelf.extractRawImages(refs),
      references,
    );

    console.log(`page: ${images.length} images in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    expect(pageFeatures).toHaveLength(fileNames.length);
    let worstRelative = 0;
    fileNames.forEach((name, i) => {
      const expected = nodeFeatures[i]!;
      const actual = pageFeatures[i] as number[];
      let maxAbs = 0;
      let maxReference = 0;
      for (let j = 0; j < expected.length; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(actual[j]! - expected[j]!));
        maxReference = Math.max(maxReference, Math.abs(expected[j]!));
      }
      const relative = maxAbs / maxReference;
      worstRelative = Math.max(worstRelative, relative);
      expect(actual, `${name}: feature length`).toHaveLength(expected.length);
      // Same WGSL in f32 on two software GPUs (SwiftShader, lavapipe): only rounding
      // differs (FMA contraction, exp/division precision), compounded over about 60 layers.
      expect(relative, `${name}: max abs error ${maxAbs}, relative to max |feature| ${maxReference}: ${relative}`).toBeLessThan(1e-3);
    });
    console.log(`max relative error over ${fileNames.length} images: ${worstRelative.toExponential(2)}`);
  });
});
