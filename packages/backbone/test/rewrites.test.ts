import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeTestModels } from '../../../scripts/onnx/make_test_models.mjs';
import { onnx } from '../src/import/onnx/proto';
import { GraphRunner, loadModel, optimizeGraph, type Graph } from '../src/index';
import { compareTensors } from './helpers/compare';
import { fileSource, memorySource } from './helpers/file-source';
import { seededValues, tinyModel } from './helpers/tiny-model';

// Oracle: the same graph run without the rewrite (every ONNX node as its own kernel).
// Tolerance 1e-5 relative: folding batch norm rounds each weight once more, and fused epilogues
// skip one float32 store and load, so results differ by a few float32 ulps.
const TOLERANCE = 1e-5;

let gpu: OffshelfDevice;
let dir: string;
let paths: ReturnType<typeof writeTestModels>;

beforeAll(async () => {
  gpu = await requestDevice();
  dir = mkdtempSync(join(tmpdir(), 'offshelf-rewrite-'));
  paths = writeTestModels(dir);
});

afterAll(() => {
  gpu?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runBoth(graph: Graph, outputs: string[], shape: number[]) {
  const input = { data: seededValues(shape.reduce((a, b) => a * b, 1), 11), shape };
  const results = [];
  for (const fuse of [false, true]) {
    const runner = new GraphRunner(gpu.device, optimizeGraph(graph, { fuse }));
    results.push(await runner.run({ [graph.inputs[0]!.name]: input }, outputs));
    runner.destroy();
  }
  return { unfused: results[0]!, fused: results[1]! };
}

function expectSame(unfused: Record<string, { data: Float32Array }>, fused: Record<string, { data: Float32Array }>, name: string): void {
  const error = compareTensors(fused[name]!.data, unfused[name]!.data);
  expect(error.relative, `${name}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
}

const count = (graph: Graph, op: string): number => graph.nodes.filter((n) => n.opType === op).length;

// Shader compilation on lavapipe, on two cores shared with other jobs, can take minutes.
describe('load-time rewrites', { timeout: 300_000 }, () => {
  it('folds batch norm and fuses residual adds without changing outputs', async () => {
    const graph = await loadModel(fileSource(paths.resnet18));
    const optimized = optimizeGraph(graph);
    expect(count(optimized, 'BatchNormalization')).toBe(0);
    expect(count(optimized, 'Add')).toBe(0);
    // The three downsampling shortcuts become a 1×1 MaxPool and a stride-1 convolution.
    expect(count(optimized, 'MaxPool') - count(graph, 'MaxPool')).toBe(3);
    const stridedPointwise = optimized.nodes.filter(
      (n) => n.opType === 'offshelf.FusedConv' && optimized.initializers.get(n.inputs[1]!)!.shape[2] === 1 && (n.attributes.strides as number[]).some((s) => s > 1),
    );
    expect(stridedPointwise).toHaveLength(0);

    const { unfused, fused } = await runBoth(graph, ['logits'], [1, 3, 64, 64]);
    expectSame(unfused, fused, 'logits');
  });

  it('fuses HardSwish, HardSigmoid and Relu without changing outputs', async () => {
    const graph = await loadModel(fileSource(paths.mobilenetV3Small));
    const optimized = optimizeGraph(graph);
    expect(count(optimized, 'HardSwish')).toBe(0);
    expect(count(optimized, 'HardSigmoid')).toBe(0);
    expect(count(optimized, 'Relu')).toBe(0);
    expect(count(optimized, 'Dropout')).toBe(0);
    expect(optimized.nodes.some((n) => n.opType === 'offshelf.FusedGemm' && n.attributes.activation === 'hardSwish')).toBe(true);

    const { unfused, fused } = await runBoth(graph, ['logits', 'features'], [1, 3, 64, 64]);
    expectSame(unfused, fused, 'logits');
    expectSame(unfused, fused, 'features');
  });

  it('fuses Clip, LeakyRelu and Sigmoid into Conv and Gemm', async () => {
    const { bytes } = tinyModel(
      [
        { opType: 'Conv', inputs: ['x', 'w', 'b'], output: 'c', attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { opType: 'Clip', inputs: ['c', 'lo', 'hi'], output: 'clipped' },
        { opType: 'Conv', inputs: ['clipped', 'w2'], output: 'c2', attributes: { kernel_shape: [1, 1] } },
        { opType: 'LeakyRelu', inputs: ['c2'], output: 'l', attributes: { alpha: 0.1 } },
        { opType: 'Flatten', inputs: ['l'], output: 'f' },
        { opType: 'Gemm', inputs: ['f', 'fc', 'fb'], output: 'g', attributes: { transB: 1 } },
        { opType: 'Sigmoid', inputs: ['g'], output: 'y' },
      ],
      {
        w: { dims: [3, 2, 3, 3], data: seededValues(54, 2) },
        b: { dims: [3], data: seededValues(3, 3) },
        lo: { dims: [], data: Float32Array.of(-0.2) },
        hi: { dims: [], data: Float32Array.of(0.3) },
        w2: { dims: [4, 3, 1, 1], data: seededValues(12, 4) },
        fc: { dims: [5, 100], data: seededValues(500, 5) },
        fb: { dims: [5], data: seededValues(5, 6) },
      },
    );
    const graph = await loadModel(memorySource('fusion.onnx', bytes));
    const optimized = optimizeGraph(graph);
    expect(optimized.nodes.map((n) => `${n.opType}:${n.attributes.activation ?? ''}`)).toEqual([
      'offshelf.FusedConv:clip',
      'offshelf.FusedConv:leakyRelu',
      'Flatten:',
      'offshelf.FusedGemm:sigmoid',
    ]);

    const { unfused, fused } = await runBoth(graph, ['y'], [2, 2, 5, 5]);
    expectSame(unfused, fused, 'y');
  });

  it('removes Identity and runs Flatten and Reshape as views', async () => {
    const { bytes } = tinyModel(
      [
        { opType: 'Identity', inputs: ['x'], output: 'i' },
        { opType: 'Relu', inputs: ['i'], output: 'r' },
        { opType: 'Flatten', inputs: ['r'], output: 'f' },
        { opType: 'Reshape', inputs: ['f', 'shape'], output: 'y' },
      ],
      { shape: { dims: [2], data: new Float32Array(0) } },
    );
    // Reshape's shape operand must be int64: patch it after building.
    const graph = await loadModel(memorySource('views.onnx', patchShapeOperand(bytes)));
    const optimized = optimizeGraph(graph);
    expect(count(optimized, 'Identity')).toBe(0);

    const runner = new GraphRunner(gpu.device, optimized);
    const plan = await runner.plan({ x: [1, 2, 5, 5] }, ['y']);
    expect(plan.steps.map((s) => s.program.name)).toEqual(['unary-relu']);
    expect(plan.rangeOf('y').buffer).toBe(plan.rangeOf('r').buffer);

    const x = seededValues(50, 9);
    const { y } = await runner.run({ x: { data: x, shape: [1, 2, 5, 5] } }, ['y']);
    expect(y!.shape).toEqual([5, 10]);
    expect(Array.from(y!.data)).toEqual(Array.from(x, (v) => Math.max(v, 0)));
    runner.destroy();
  });
});

function patchShapeOperand(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const tensor = model.graph!.initializer!.find((t) => t.name === 'shape')!;
  tensor.dataType = onnx.TensorProto.DataType.INT64;
  tensor.rawData = new Uint8Array(BigInt64Array.of(5n, -1n).buffer);
  return onnx.ModelProto.encode(model).finish();
}
