// Resource discipline: a caller creates and disposes many feature extractors on one
// device it owns. Every GPU buffer an extractor creates must be destroyed by
// dispose(), and the caller's device must stay usable. Live buffers are counted by
// wrapping device.createBuffer and GPUBuffer.prototype.destroy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createFeatureExtractor, loadModel, modelSourceFromBytes, type Graph, type RgbaImage } from '@offshelf/backbone';
import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const modelPath = join(process.env.OFFSHELF_SHARED!, 'models/coral/mobilenet_v1_0.25_128_quant.tflite');
const ROUNDS = 50;

let gpu: OffshelfDevice;
let graph: Graph;
const liveBuffers = new Set<GPUBuffer>();
let restoreDestroy: () => void;

/** Builds a 40×30 RGBA gradient, small so that each round's upload and preprocessing are cheap. */
function gradientImage(): RgbaImage {
  const width = 40;
  const height = 30;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      data[offset] = (x * 255) / width;
      data[offset + 1] = (y * 255) / height;
      data[offset + 2] = ((x + y) * 97) % 256;
      data[offset + 3] = 255;
    }
  }
  return { width, height, data };
}

beforeAll(async () => {
  gpu = await requestDevice();
  graph = await loadModel(modelSourceFromBytes(modelPath, readFileSync(modelPath)));

  const { device } = gpu;
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = createBuffer(descriptor);
    liveBuffers.add(buffer);
    return buffer;
  };

  // Dawn installs GPUBuffer as a global, so wrapping its prototype's destroy catches every buffer.
  const prototype = GPUBuffer.prototype;
  const destroy = prototype.destroy;
  prototype.destroy = function (this: GPUBuffer) {
    liveBuffers.delete(this);
    return destroy.call(this);
  };
  restoreDestroy = () => {
    prototype.destroy = destroy;
  };
});

afterAll(() => {
  restoreDestroy?.();
  gpu?.destroy();
});

/** Resolves true when the device has been lost, false when it is still alive after a short wait. */
async function deviceLost(device: GPUDevice): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 50));
  return Promise.race([device.lost.then(() => true), timeout]);
}

/** Writes values into a new buffer and reads them back, proving the device still runs commands. */
async function roundTrip(device: GPUDevice, values: Float32Array<ArrayBuffer>): Promise<Float32Array> {
  const source = device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const staging = device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(source, 0, values);

  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, values.byteLength);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(staging.getMappedRange().slice(0));

  staging.unmap();
  staging.destroy();
  source.destroy();
  return result;
}

describe('feature extractor lifecycle', () => {
  it('releases every buffer over 50 rounds', async () => {
    const { device } = gpu;
    const image = gradientImage();
    const startingCount = liveBuffers.size;

    // Oracle for the later rounds: the first extractor's features. Any later round that
    // reads a freed or reused buffer by mistake would return different values.
    const first = await createFeatureExtractor(device, graph, { batchSize: 1 });
    const [reference] = await first.extract([image]);
    const buffersWhileAlive = liveBuffers.size;
    first.dispose();

    expect(buffersWhileAlive).toBeGreaterThan(startingCount);
    expect(liveBuffers.size).toBe(startingCount);

    for (let round = 1; round < ROUNDS; round++) {
      const extractor = await createFeatureExtractor(device, graph, { batchSize: 1 });
      const [features] = await extractor.extract([image]);
      extractor.dispose();

      expect(liveBuffers.size, `live buffers after round ${round}`).toBe(startingCount);
      // Same device, same kernels, same input: the values are bit-identical.
      expect(features, `features in round ${round}`).toEqual(reference);
    }
  });

  it('leaves the caller device usable', async () => {
    const { device } = gpu;

    expect(await deviceLost(device)).toBe(false);

    const values = Float32Array.from({ length: 64 }, (_, index) => index * 0.5 - 3);
    expect(await roundTrip(device, values)).toEqual(values);

    const extractor = await createFeatureExtractor(device, graph, { batchSize: 2 });
    const features = await extractor.extract([gradientImage(), gradientImage()]);
    extractor.dispose();
    expect(features).toHaveLength(2);
    expect(features[0]).toEqual(features[1]);
    expect(features[0]!.every(Number.isFinite)).toBe(true);
  });
});
