import { DeviceLostError, requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createFeatureExtractor, GraphRunner, loadModel, optimizeGraph } from '../src/index';
import { memorySource } from './helpers/file-source';
import { seededValues, tinyModel } from './helpers/tiny-model';

const model = tinyModel(
  [
    { opType: 'Conv', inputs: ['x', 'w', 'b'], output: 'c', attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { opType: 'Relu', inputs: ['c'], output: 'r' },
    { opType: 'GlobalAveragePool', inputs: ['r'], output: 'p' },
    { opType: 'Flatten', inputs: ['p'], output: 'y' },
  ],
  { w: { dims: [3, 2, 3, 3], data: seededValues(54) }, b: { dims: [3], data: seededValues(3, 5) } },
);

// A 3-channel classifier-shaped model for extract(): 1×1 conv, global pool, flatten.
function rgbModel(batch: number | string) {
  return tinyModel(
    [
      { opType: 'Conv', inputs: ['x', 'w'], output: 'c', attributes: { kernel_shape: [1, 1] } },
      { opType: 'GlobalAveragePool', inputs: ['c'], output: 'p' },
      { opType: 'Flatten', inputs: ['p'], output: 'y' },
    ],
    { w: { dims: [2, 3, 1, 1], data: seededValues(6, 9) } },
    { inputShape: [batch, 3, 8, 8] },
  );
}

/** Returns `count` small RGBA images of different sizes and colours. */
function rgbaImages(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const width = 9 + i;
    const height = 12 - i;
    const data = new Uint8Array(width * height * 4).map((_, j) => (j * (i + 3) * 37) % 256);
    return { width, height, data };
  });
}

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

describe('feature extractor inputs', () => {
  it('runs a model of fixed batch 1 at that batch', async () => {
    const images = rgbaImages(3);
    const fixed = await createFeatureExtractor(gpu.device, await loadModel(memorySource('fixed.onnx', rgbModel(1).bytes)), { layer: 'y', batchSize: 8 });
    const dynamic = await createFeatureExtractor(gpu.device, await loadModel(memorySource('dynamic.onnx', rgbModel('N').bytes)), { layer: 'y', batchSize: 8 });
    expect(fixed.batchSize).toBe(1);
    expect(dynamic.batchSize).toBe(8);

    // Oracle: the same weights run at a dynamic batch of 8.
    const fromFixed = await fixed.extract(images);
    const fromDynamic = await dynamic.extract(images);
    fixed.dispose();
    dynamic.dispose();
    expect(fromFixed.map((row) => Array.from(row))).toEqual(fromDynamic.map((row) => Array.from(row)));
  });

  it('prints every node during extract in debug mode', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const extractor = await createFeatureExtractor(gpu.device, await loadModel(memorySource('debug-extract.onnx', rgbModel(1).bytes)), { layer: 'y', debug: true });
      const features = await extractor.extract(rgbaImages(2));
      extractor.dispose();
      expect(features).toHaveLength(2);
    } finally {
      log.mockRestore();
    }
    // Three nodes and the appended pool of the tap, once per batch of 1.
    expect(lines.filter((line) => line.startsWith('Conv conv_0: c [1x2x8x8]'))).toHaveLength(2);
  });

  it('scales the default ImageNet crop to the input size', async () => {
    // Oracle: torchvision's recipe, short side 256 for a 224 crop, is 8/7 of the crop.
    const graph = await loadModel(memorySource('crop.onnx', rgbModel('N').bytes));
    expect(graph.metadata.preprocessing.resize).toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 9 });
  });

  it('names a weight tensor passed as the layer', async () => {
    const graph = await loadModel(memorySource('weights-layer.onnx', rgbModel('N').bytes));
    await expect(createFeatureExtractor(gpu.device, graph, { layer: 'w' })).rejects.toThrow("'w' is a constant (weights) of model weights-layer.onnx, not an activation");
  });

  it('names an output that the model does not have', async () => {
    const extractor = await createFeatureExtractor(gpu.device, await loadModel(memorySource('names.onnx', rgbModel('N').bytes)), { layer: 'y' });
    const x = { data: new Float32Array(3 * 64), shape: [1, 3, 8, 8] };
    await expect(extractor.runTensors({ x }, ['nope'])).rejects.toThrow("'nope' is not a value of model names.onnx; its outputs are 'y'.");
    extractor.dispose();
  });
});

describe('graph runner', () => {
  it('prints every node output in debug mode', async () => {
    const graph = await loadModel(memorySource('debug.onnx', model.bytes));
    const lines: string[] = [];
    const runner = new GraphRunner(gpu.device, optimizeGraph(graph, { fuse: false }), { debug: true, log: (line) => lines.push(line) });
    const x = { data: seededValues(50, 2), shape: [1, 2, 5, 5] };
    const result = await runner.run({ x }, ['y']);
    runner.destroy();

    expect(Object.keys(result)).toEqual(['y']);
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatch(/^Conv conv_0: c \[1x3x5x5\] min=\S+ max=\S+ mean=\S+ first=\[/);
    expect(lines[1]).toMatch(/^Relu relu_1: r \[1x3x5x5\] min=0\.0000/);
  });

  it('plans each input shape once and reuses buffers by liveness', async () => {
    const graph = await loadModel(memorySource('plan.onnx', model.bytes));
    const runner = new GraphRunner(gpu.device, optimizeGraph(graph));
    const first = await runner.plan({ x: [4, 2, 5, 5] }, ['y']);
    const again = await runner.plan({ x: [4, 2, 5, 5] }, ['y']);
    expect(again).toBe(first);

    // x, the fused conv output and the pooled output: the pooled value may take x's freed buffer.
    const buffers = new Set(['x', 'r', 'p', 'y'].map((name) => first.rangeOf(name).buffer));
    expect(buffers.size).toBeLessThanOrEqual(3);
    expect(first.rangeOf('y').buffer).toBe(first.rangeOf('p').buffer);
    runner.destroy();
  });

  it('raises DeviceLostError when the device is lost', async () => {
    const own = await requestDevice();
    const graph = await loadModel(memorySource('lost.onnx', model.bytes));
    const extractor = await createFeatureExtractor(own.device, graph, { layer: 'y' });
    const x = { data: seededValues(50, 2), shape: [1, 2, 5, 5] };
    await extractor.runTensors({ x }, ['y']);

    own.device.destroy();
    await expect(extractor.runTensors({ x }, ['y'])).rejects.toBeInstanceOf(DeviceLostError);
    extractor.dispose();
    own.destroy();
  });
});
