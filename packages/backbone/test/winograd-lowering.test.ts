import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeTestModels } from '../../../scripts/onnx/make_test_models.mjs';
import { GraphRunner, loadModel, optimizeGraph, type KernelVariants, type WeightPrecision } from '../src/index';
import { inferShapes } from '../src/ir/shape-inference';
import { assignBuffers } from '../src/plan/buffer-plan';
import { lowerNode } from '../src/plan/lower-node';
import type { Step } from '../src/plan/step';
import { compareTensors } from './helpers/compare';
import { fileSource } from './helpers/file-source';

// Oracle: onnxruntime-node (CPU) on the generated ResNet-18 (64×64 input, batch 2), as in
// generated-models.test.ts. Tolerance 1e-4 relative max error, the same as there: Winograd's
// transforms add and subtract a few values (constants 1 and 1/2), so its float32 rounding stays
// near the direct sums' (conv2d.test.ts measures both against a float64 reference).
const TOLERANCE = 1e-4;
// With f16 weights, Winograd stores the transformed weights G g Gᵀ as f16, each off by at most
// 2^-12 relative, as weights-f16.test.ts bounds MobileNetV2's f16 weights. Its tolerance of 1e-2
// of the largest |value| applies, while a wrongly decoded weight gives errors of order 1.
const F16_TOLERANCE = 1e-2;
const INPUT_SHAPE = [2, 3, 64, 64];

let gpu: OffshelfDevice;
let dir: string;
let resnet18: string;

beforeAll(async () => {
  gpu = await requestDevice();
  dir = mkdtempSync(join(tmpdir(), 'offshelf-winograd-'));
  resnet18 = writeTestModels(dir).resnet18;
});

afterAll(() => {
  gpu?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function randomInput(seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: INPUT_SHAPE.reduce((a, b) => a * b, 1) }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 4 - 2;
  });
}

/** Runs the optimized ResNet-18 on the runner and on onnxruntime, and returns the relative error of the logits. */
async function logitsError(options: {
  kernelVariants?: KernelVariants;
  debug?: boolean;
  weightPrecision?: WeightPrecision;
  maxScratchBytes?: number;
}): Promise<{ relative: number; message: string; steps: Step[] }> {
  const graph = await loadModel(fileSource(resnet18));
  const optimized = optimizeGraph(graph, { keep: ['logits'], fuse: !options.debug });
  const runner = new GraphRunner(gpu.device, optimized, {
    kernelVariants: options.kernelVariants,
    debug: options.debug,
    weightPrecision: options.weightPrecision,
    maxScratchBytes: options.maxScratchBytes,
    log: () => {},
  });
  const session = await ort.InferenceSession.create(resnet18);
  try {
    const data = randomInput(11);
    const plan = await runner.plan({ input: INPUT_SHAPE }, ['logits']);
    const ours = await runner.run({ input: { data, shape: INPUT_SHAPE } }, ['logits']);
    const reference = await session.run({ input: new ort.Tensor('float32', data, INPUT_SHAPE) });
    const error = compareTensors(ours.logits!.data, reference.logits!.data as Float32Array);
    return { relative: error.relative, message: `max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`, steps: plan.steps };
  } finally {
    runner.destroy();
    await session.release();
  }
}

// Shader compilation on lavapipe, on two cores shared with other jobs, can take minutes.
describe('Winograd in a planned ResNet-18', { timeout: 300_000 }, () => {
  // The selector's default runs the 3×3 stride-1 convolutions as three Winograd dispatches each.
  it('default selection matches onnxruntime', async () => {
    const { relative, message, steps } = await logitsError({});
    expect(relative, message).toBeLessThan(TOLERANCE);

    const winogradNodes = new Set(steps.filter((step) => step.program.name.startsWith('conv2d-winograd')).map((step) => step.node));
    expect(winogradNodes.size).toBeGreaterThan(0);
    for (const node of winogradNodes) {
      const names = steps.filter((step) => step.node === node).map((step) => step.program.name);
      expect(names).toEqual(['conv2d-winograd-input-transform', 'conv2d-winograd-gemm', 'conv2d-winograd-output-transform']);
    }
  });

  it('forced Winograd in debug mode', async () => {
    // Debug mode keeps every value in its own buffer and leaves batch norm, ReLU and Add unfused.
    const { relative, message, steps } = await logitsError({ kernelVariants: { conv2d: 'winograd-2x2-3x3' }, debug: true });
    expect(relative, message).toBeLessThan(TOLERANCE);
    expect(steps.some((step) => step.program.name === 'conv2d-winograd-gemm')).toBe(true);
  });

  it('forced Winograd F(4x4) matches onnxruntime', async () => {
    // Every 3×3 stride-1 layer, up to 512 channels at 7×7, through 6×6 patches.
    const { relative, message, steps } = await logitsError({ kernelVariants: { conv2d: 'winograd-4x4-3x3' } });
    expect(relative, message).toBeLessThan(TOLERANCE);
    expect(steps.filter((step) => step.program.name === 'conv2d-winograd-gemm').length).toBeGreaterThan(0);
  });

  it('batch chunks match onnxruntime', async () => {
    // 32 KiB of scratch at most: the 64-channel layers at 4×4 need 64 KiB for their batch of 2,
    // so they run one image at a time through the same scratch buffers.
    const { relative, message, steps } = await logitsError({ maxScratchBytes: 32 * 1024 });
    expect(relative, message).toBeLessThan(TOLERANCE);

    const chunked = steps.filter((step) => step.outputRange !== undefined);
    expect(chunked.length).toBeGreaterThan(0);
    const node = chunked[0]!.node;
    const names = steps.filter((step) => step.node === node).map((step) => step.program.name);
    const passes = ['conv2d-winograd-input-transform', 'conv2d-winograd-gemm', 'conv2d-winograd-output-transform'];
    expect(names).toEqual([...passes, ...passes]);
    const ranges = steps.filter((step) => step.node === node && step.outputRange).map((step) => step.outputRange!);
    expect(ranges[1]!.byteOffset).toBe(ranges[0]!.byteLength);
  });

  it('rejects a maxScratchBytes of zero', () => {
    expect(() => new GraphRunner(gpu.device, { nodes: [], inputs: [], outputs: [], initializers: new Map() } as never, { maxScratchBytes: 0 })).toThrow(
      /Invalid maxScratchBytes 0: expected a positive number of bytes/,
    );
  });

  it('f16 weights match onnxruntime', async (context) => {
    if (!gpu.device.features.has('shader-f16')) context.skip("the device lacks the WebGPU 'shader-f16' feature");
    const { relative, message, steps } = await logitsError({ weightPrecision: 'f16' });
    expect(relative, message).toBeLessThan(F16_TOLERANCE);
    expect(steps.some((step) => step.program.name === 'conv2d-winograd-gemm')).toBe(true);
  });
});

describe('Winograd and the binding size', () => {
  it('falls back when scratch exceeds a binding', async () => {
    // The smallest Winograd scratch here is 16 × 128 channels × 2 tiles × 4 bytes = 16 KiB (the 2×2 maps).
    const graph = optimizeGraph(await loadModel(fileSource(resnet18)), { keep: ['logits'] });
    const shapes = new Map([...inferShapes(graph, { input: INPUT_SHAPE })].map(([name, shape]) => [name, shape as number[]]));
    const convs = graph.nodes.filter((node) => node.opType === 'offshelf.FusedConv');
    const programNames = (maxBindingBytes: number): string[] =>
      convs.flatMap((node) => {
        const lowered = lowerNode(graph, node, shapes, { conv2d: 'winograd-2x2-3x3' }, 'f32', { maxBindingBytes });
        return 'steps' in lowered ? lowered.steps.map((step) => step.program.name) : [];
      });
    const smallLimit = 4096;

    expect(programNames(Infinity)).toContain('conv2d-winograd-gemm');
    expect(programNames(smallLimit)).not.toContain('conv2d-winograd-gemm');
    expect(programNames(smallLimit)).toContain('conv2d-implicit-gemm-3x3-8x8');
  });
});

describe('buffer plan with scratch values', () => {
  const program = { name: 'p', shaderKey: 'p', code: '', dispatch: [1, 1, 1] as const, uniforms: null, inputCount: 1 };
  const step = (input: string, output: string): Step => ({ node: 'conv', program, inputs: [{ value: input }], output });

  it('frees scratch values for reuse', () => {
    // x → s0 → s1 → y, then z: s0 and s1 die inside the node, so z reuses one of their buffers
    // (and y reuses x's), leaving 3 buffers for 5 values.
    const steps = [step('x', 'y#s0'), step('y#s0', 'y#s1'), step('y#s1', 'y'), step('y', 'z')];
    const sizes = new Map([['x', 64], ['y#s0', 256], ['y#s1', 256], ['y', 64], ['z', 256]]);
    const { bufferOf, bufferSizes } = assignBuffers(new Map([['x', 64]]), steps, [], sizes, new Set(['z']), true);
    expect(bufferOf.get('y#s1')).not.toBe(bufferOf.get('y#s0'));
    expect([bufferOf.get('y#s0'), bufferOf.get('y#s1')]).toContain(bufferOf.get('z'));
    expect(bufferOf.get('y')).toBe(bufferOf.get('x'));
    expect(bufferSizes.length).toBe(3);
  });
});
