import { DeviceLostError, requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

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
