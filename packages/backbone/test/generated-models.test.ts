import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXPAND_DEPTHWISE_VARIANT, hasSubgroupsOf8To64, kernelTargetOf } from '@offshelf/core-wgsl';

import { mobilenetV3SmallLike, writeTestModels } from '../../../scripts/onnx/make_test_models.mjs';
import { createFeatureExtractor, GraphRunner, loadModel, optimizeGraph } from '../src/index';
import { compareTensors } from './helpers/compare';
import { fileSource } from './helpers/file-source';

// Oracle: onnxruntime-node (CPU) on the same model file and input.
// Tolerance 1e-4 relative max error: about 20 layers of float32 sums in another order, with batch
// norm folded into the weights (one extra rounding per weight), stay near 1e-6 relative.
const TOLERANCE = 1e-4;
const BATCH = 2;
const SIZE = 64;

let gpu: OffshelfDevice;
let dir: string;
let paths: ReturnType<typeof writeTestModels>;

beforeAll(async () => {
  gpu = await requestDevice();
  dir = mkdtempSync(join(tmpdir(), 'offshelf-onnx-'));
  paths = writeTestModels(dir);
});

afterAll(() => {
  gpu?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function randomInput(seed: number, size = SIZE): Float32Array {
  let state = seed;
  return Float32Array.from({ length: BATCH * 3 * size * size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 4 - 2;
  });
}

// Shader compilation on lavapipe, on two cores shared with other jobs, can take minutes.
describe('generated CNN models', { timeout: 300_000 }, () => {
  it.each([['resnet18'], ['mobilenetV3Small'], ['efficientNetB0']] as const)('%s matches onnxruntime', async (name) => {
    const path = paths[name];
    const graph = await loadModel(fileSource(path));
    const extractor = await createFeatureExtractor(gpu.device, graph, { keep: ['logits'] });
    const session = await ort.InferenceSession.create(path);
    try {
      const data = randomInput(name.length);
      const shape = [BATCH, 3, SIZE, SIZE];
      const ours = await extractor.runTensors({ input: { data, shape } }, ['features', 'logits']);
      const reference = await session.run({ input: new ort.Tensor('float32', data, shape) });

      for (const output of ['features', 'logits']) {
        expect(ours[output]!.shape).toEqual(reference[output]!.dims);
        const error = compareTensors(ours[output]!.data, reference[output]!.data as Float32Array);
        expect(error.relative, `${name} ${output}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
      }
      expect(extractor.peakGpuBytes).toBeGreaterThan(0);
    } finally {
      extractor.dispose();
      await session.release();
    }
  });

  it('fuses expansions on 14-column rows', async (context) => {
    // At 56 px the MobileNetV3-Small layout's 16→48 expansion runs at 14 px and its stride-2
    // depthwise convolution writes rows of 7 values: the fused kernel's scalar loads and stores.
    const size = 56;
    const path = join(dir, 'mobilenetV3Small-56.onnx');
    writeFileSync(path, mobilenetV3SmallLike(size));
    const graph = await loadModel(fileSource(path));

    const target = kernelTargetOf(gpu.device);
    if (hasSubgroupsOf8To64(target) && target.cpuAdapter) {
      const runner = new GraphRunner(gpu.device, optimizeGraph(graph));
      const plan = await runner.plan({ input: [BATCH, 3, size, size] }, ['features']);
      expect(plan.steps.filter((step) => step.program.name === `conv2d-${EXPAND_DEPTHWISE_VARIANT}`)).toHaveLength(1);
      runner.destroy();
    } else {
      context.annotate('this adapter runs the expansion and the depthwise convolution as two kernels');
    }

    const extractor = await createFeatureExtractor(gpu.device, graph, { keep: ['logits'] });
    const session = await ort.InferenceSession.create(path);
    try {
      const data = randomInput(7, size);
      const shape = [BATCH, 3, size, size];
      const ours = await extractor.runTensors({ input: { data, shape } }, ['features']);
      const reference = await session.run({ input: new ort.Tensor('float32', data, shape) });
      const error = compareTensors(ours.features!.data, reference.features!.data as Float32Array);
      expect(error.relative, `features: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
    } finally {
      extractor.dispose();
      await session.release();
    }
  });

  it('runs ResNet-18 in batch chunks', async () => {
    // A 32 KiB scratch limit splits the batch of the 64-channel Winograd layers into single images.
    const graph = await loadModel(fileSource(paths.resnet18));
    const extractor = await createFeatureExtractor(gpu.device, graph, { keep: ['logits'], maxScratchBytes: 32 * 1024 });
    const session = await ort.InferenceSession.create(paths.resnet18);
    try {
      const data = randomInput(3);
      const shape = [BATCH, 3, SIZE, SIZE];
      const ours = await extractor.runTensors({ input: { data, shape } }, ['logits']);
      const reference = await session.run({ input: new ort.Tensor('float32', data, shape) });
      const error = compareTensors(ours.logits!.data, reference.logits!.data as Float32Array);
      expect(error.relative, `logits: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
    } finally {
      extractor.dispose();
      await session.release();
    }
  });

  it('pools a 4-D layer tap', async () => {
    // Oracle: the model's own `features` output, which is GlobalAveragePool + Flatten of the same map.
    // Both paths run the same pooling kernel on the same values, so only rounding noise is allowed.
    const graph = await loadModel(fileSource(paths.resnet18));
    const lastMap = graph.nodes.find((n) => n.opType === 'GlobalAveragePool')!.inputs[0]!;
    const images = [0, 1, 2].map((seed) => ({ width: 80, height: 70, data: Uint8Array.from(randomInput(seed + 5).subarray(0, 80 * 70 * 4), (v) => Math.floor((v + 2) * 63)) }));

    const results = [];
    for (const layer of [undefined, lastMap]) {
      const extractor = await createFeatureExtractor(gpu.device, graph, { layer, batchSize: 2 });
      expect(extractor.featureSize).toBe(128);
      results.push(await extractor.extract(images));
      extractor.dispose();
    }
    for (let i = 0; i < images.length; i++) {
      const error = compareTensors(results[1]![i]!, results[0]![i]!);
      expect(error.relative, `image ${i}: max abs ${error.maxAbs}; ${error.first}`).toBeLessThan(1e-6);
    }
  });

  it('fuses batch norm, activations and residual adds in ResNet-18', async () => {
    const graph = await loadModel(fileSource(paths.resnet18));
    const optimized = optimizeGraph(graph);
    const count = (op: string, g = graph): number => g.nodes.filter((n) => n.opType === op).length;

    expect(count('BatchNormalization', optimized)).toBe(0);
    expect(count('Relu', optimized)).toBe(0);
    expect(count('Add', optimized)).toBe(0);
    expect(count('offshelf.FusedConv', optimized)).toBe(count('Conv'));
    const residual = optimized.nodes.filter((n) => n.attributes.residual === 'beforeActivation');
    expect(residual.length).toBe(count('Add'));
  });
});
