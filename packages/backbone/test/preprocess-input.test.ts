import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel, type FeatureExtractor } from '../src/index';
import { compareTensors } from './helpers/compare';
import { CORAL_ONNX, fileSource, OPEN_IMAGES } from './helpers/file-source';
import { rgbaImage } from './helpers/images';

// `preprocess` exists so that `offshelf run --image` feeds the network exactly what `extract`
// feeds it. Oracle: `extract` on the same photo, which must give the same features.
const available = existsSync(CORAL_ONNX);

describe.skipIf(!available)('extractor preprocess', { timeout: 300_000 }, () => {
  let gpu: OffshelfDevice;
  let extractor: FeatureExtractor;

  beforeAll(async () => {
    gpu = await requestDevice();
    extractor = await createFeatureExtractor(gpu.device, await loadModel(fileSource(CORAL_ONNX)), { batchSize: 2 });
  });

  afterAll(() => {
    extractor?.dispose();
    gpu?.destroy();
  });

  it('returns one NCHW slot per image', async () => {
    const photos = await Promise.all(['cat.bmp', 'dragonfly.bmp'].map((name) => rgbaImage(join(OPEN_IMAGES, name))));
    const tensor = await extractor.preprocess(photos);
    expect(tensor.shape).toEqual([2, 3, 224, 224]);
    expect(tensor.data.length).toBe(2 * 3 * 224 * 224);

    // The Coral model maps pixels to [-1, 1].
    let min = Infinity;
    let max = -Infinity;
    for (const value of tensor.data) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('gives the features extract gives', async () => {
    const photo = await rgbaImage(join(OPEN_IMAGES, 'cat.bmp'));
    const [expected] = await extractor.extract([photo]);
    const input = await extractor.preprocess([photo]);
    const outputs = await extractor.runTensors({ input }, [extractor.layer]);
    const actual = outputs[extractor.layer]!.data;

    const error = compareTensors(actual, expected!);
    expect(error.relative, `max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(1e-6);
  });

  it('rejects an empty image list', async () => {
    await expect(extractor.preprocess([])).rejects.toThrow(/at least one image/);
  });

  it('rejects an image without pixels', async () => {
    await expect(extractor.preprocess([{ width: 0, height: 0, data: new Uint8Array(0) }])).rejects.toThrow(
      'image 0 is 0×0 pixels; an image needs a positive integer width and height.',
    );
  });
});
