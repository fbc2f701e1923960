import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  conv2dExpandDepthwise,
  expandDepthwiseMismatch,
  expandDepthwiseOutputShape,
  float16BitsToNumber,
  float32ToFloat16Bits,
  kernelTargetOf,
  runProgram,
  type Activation,
  type Conv2dShape,
  type ExpandDepthwiseActivations,
  type ExpandDepthwiseShape,
  type KernelTarget,
} from '../src/index';
import { compareToReference, reductionTolerance } from './reference/compare';
import { conv2dReference } from './reference/conv2d';
import { randomTensor, seededUniform } from './reference/conv-gemm-random';

// Oracle: the float64 convolution in test/reference/conv2d.ts, written from the ONNX Conv
// definition, run twice: the 1×1 expansion, then the stride-2 depthwise convolution on its output.

const NO_SUBGROUPS = 'needs subgroups of 8 to 64 lanes';
const relu6: Activation = { kind: 'clip', min: 0, max: 6 };
const relu: Activation = { kind: 'relu' };
const none: Activation = { kind: 'none' };

const cases: Array<[string, ExpandDepthwiseShape, ExpandDepthwiseActivations]> = [
  // TensorFlow's SAME padding at stride 2 (pads only at the bottom and the right), two images.
  ['pads 0 0 1 1 on 16x16', {
    batch: 2, inChannels: 6, height: 16, width: 16, channels: 32, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
  }, { expand: relu6, depthwise: relu6 }],
  // PyTorch's padding of 1, an odd reduction and a partial second channel block.
  ['pads 1 on 12x24, 40 channels', {
    batch: 1, inChannels: 5, height: 12, width: 24, channels: 40, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, { expand: relu, depthwise: none }],
  // An odd row count, one strip per row and one channel past a full block.
  ['pads 0 0 1 1 on 9x8, 33 channels', {
    batch: 3, inChannels: 4, height: 9, width: 8, channels: 33, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
  }, { expand: relu6, depthwise: relu }],
  ['pads 1 0 0 1 on 8x8, 3 channels', {
    batch: 2, inChannels: 3, height: 8, width: 8, channels: 3, padTop: 1, padLeft: 0, padBottom: 0, padRight: 1,
  }, { expand: none, depthwise: relu6 }],
  // Rows of vec4s in, output rows of 14 values: the last strip of each row has 2 columns inside.
  ['pads 0 0 1 1 on 6x28, output rows of 14', {
    batch: 2, inChannels: 5, height: 6, width: 28, channels: 34, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
  }, { expand: relu6, depthwise: relu6 }],
  // Input rows of 14 values and output rows of 7, as MobileNetV2's last stride-2 block at 224 px.
  ['pads 1 on 14x14, output rows of 7', {
    batch: 2, inChannels: 6, height: 14, width: 14, channels: 40, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, { expand: relu6, depthwise: relu6 }],
  // Odd input rows, one output column in the last strip and the left pad's halo column.
  ['pads 1 on 5x9, output rows of 5', {
    batch: 3, inChannels: 3, height: 5, width: 9, channels: 9, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  }, { expand: relu, depthwise: none }],
  // Two input columns: every window column but two lies outside the image.
  ['pads 0 0 1 1 on 4x2', {
    batch: 2, inChannels: 2, height: 4, width: 2, channels: 5, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
  }, { expand: none, depthwise: none }],
];

let gpu: OffshelfDevice;
let target: KernelTarget;
beforeAll(async () => {
  gpu = await requestDevice();
  target = kernelTargetOf(gpu.device);
});
afterAll(() => gpu?.destroy());

describe('fused expand-depthwise against float64 reference', () => {
  it.for(cases.map((entry, index) => [...entry, index] as const))('%s', async ([label, shape, activations, caseIndex], context) => {
    const mismatch = expandDepthwiseMismatch(shape, activations, target);
    if (mismatch === NO_SUBGROUPS) context.skip(`the device ${NO_SUBGROUPS}`);
    expect(mismatch).toBeNull();

    const random = seededUniform(3000 + caseIndex);
    const input = randomTensor(shape.batch * shape.inChannels * shape.height * shape.width, random);
    const expandWeights = randomTensor(shape.channels * shape.inChannels, random);
    const expandBias = randomTensor(shape.channels, random);
    const depthwiseWeights = randomTensor(shape.channels * 9, random);
    const depthwiseBias = randomTensor(shape.channels, random);

    const kernel = conv2dExpandDepthwise(shape, activations, target);
    const outputLength = expandDepthwiseOutputShape(shape).reduce((a, b) => a * b, 1);
    const output = await runProgram(
      gpu.device, kernel.program,
      [input, kernel.packExpandWeights(expandWeights), kernel.packChannelWeights(depthwiseWeights, depthwiseBias, expandBias)], outputLength,
    );

    const expected = fusedReference(shape, activations, input, expandWeights, expandBias, depthwiseWeights, depthwiseBias);

    // Each output depends on 9·K products through the two sums.
    const summary = compareToReference(label, output, expected, reductionTolerance(9 * shape.inChannels));
    expect(summary.passed, summary.message).toBe(true);
  });
});

describe('fused expand-depthwise with f16 weights', () => {
  it('matches the reference on rounded weights', async (context) => {
    if (!gpu.device.features.has('shader-f16')) context.skip("the device lacks the WebGPU 'shader-f16' feature");
    const shape: ExpandDepthwiseShape = {
      batch: 2, inChannels: 7, height: 10, width: 16, channels: 36, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1,
    };
    const activations = { expand: relu6, depthwise: relu6 };
    if (expandDepthwiseMismatch(shape, activations, target) === NO_SUBGROUPS) context.skip(`the device ${NO_SUBGROUPS}`);

    const random = seededUniform(3100);
    const input = randomTensor(shape.batch * shape.inChannels * shape.height * shape.width, random);
    // The oracle runs on the f16-rounded expansion weights, so the difference is f32 rounding.
    const expandWeights = Float32Array.from(randomTensor(shape.channels * shape.inChannels, random),
      (value) => float16BitsToNumber(float32ToFloat16Bits(value)));
    const expandBias = randomTensor(shape.channels, random);
    const depthwiseWeights = randomTensor(shape.channels * 9, random);
    const depthwiseBias = randomTensor(shape.channels, random);

    const kernel = conv2dExpandDepthwise(shape, activations, target, 'f16');
    const outputLength = expandDepthwiseOutputShape(shape).reduce((a, b) => a * b, 1);
    const output = await runProgram(
      gpu.device, kernel.program,
      [input, kernel.packExpandWeights(expandWeights), kernel.packChannelWeights(depthwiseWeights, depthwiseBias, expandBias)], outputLength,
    );
    const expected = fusedReference(shape, activations, input, expandWeights, expandBias, depthwiseWeights, depthwiseBias);
    const summary = compareToReference('f16 expansion weights', output, expected, reductionTolerance(9 * shape.inChannels));
    expect(summary.passed, summary.message).toBe(true);
  });
});

describe('fused expand-depthwise limits', () => {
  const shape: ExpandDepthwiseShape = {
    batch: 1, inChannels: 8, height: 16, width: 16, channels: 32, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
  };
  const activations = { expand: relu6, depthwise: relu6 };
  const cpu: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };

  it('names each unsupported shape', () => {
    expect(expandDepthwiseMismatch(shape, activations, cpu)).toBeNull();
    expect(expandDepthwiseMismatch(shape, activations, {})).toMatch(/subgroups/);
    expect(expandDepthwiseMismatch({ ...shape, width: 14 }, activations, cpu)).toBeNull();
    expect(expandDepthwiseMismatch({ ...shape, padTop: 2 }, activations, cpu)).toMatch(/pads of 0 or 1/);
    expect(expandDepthwiseMismatch(shape, { ...activations, expand: { kind: 'hardSwish' } }, cpu)).toMatch(/clamp/);
  });

  it('checks the operand lengths', async (context) => {
    if (expandDepthwiseMismatch(shape, activations, target) === NO_SUBGROUPS) context.skip(`the device ${NO_SUBGROUPS}`);
    const kernel = conv2dExpandDepthwise(shape, activations, target);
    const input = new Float32Array(shape.batch * shape.inChannels * shape.height * shape.width);
    const expandWeights = kernel.packExpandWeights(new Float32Array(shape.channels * shape.inChannels));
    const channelWeights = kernel.packChannelWeights(new Float32Array(shape.channels * 9), new Float32Array(shape.channels), new Float32Array(shape.channels));
    const outputLength = expandDepthwiseOutputShape(shape).reduce((a, b) => a * b, 1);

    await expect(runProgram(gpu.device, kernel.program, [input.subarray(1), expandWeights, channelWeights], outputLength)).rejects.toThrow(/input 0 has 2047 4-byte values/);
    await expect(runProgram(gpu.device, kernel.program, [input, expandWeights, channelWeights], outputLength - 1)).rejects.toThrow(/pass an outputLength of at least 2048/);
  });

  it('rejects a shape it cannot run', () => {
    expect(() => conv2dExpandDepthwise({ ...shape, padTop: 2 }, activations, cpu)).toThrow(/Run the two convolutions separately/);
  });
});

/** Computes the two convolutions in float64: the 1×1 expansion, then the stride-2 depthwise convolution on its output. */
function fusedReference(
  shape: ExpandDepthwiseShape, activations: ExpandDepthwiseActivations, input: Float32Array,
  expandWeights: Float32Array, expandBias: Float32Array, depthwiseWeights: Float32Array, depthwiseBias: Float32Array,
): Float64Array {
  const expandShape: Conv2dShape = {
    batch: shape.batch, inChannels: shape.inChannels, inHeight: shape.height, inWidth: shape.width, outChannels: shape.channels,
    kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
    padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1,
  };
  const expanded = conv2dReference(expandShape, { bias: true, activation: activations.expand, residual: 'none' },
    input, expandWeights, expandBias, null);
  const depthwiseShape: Conv2dShape = {
    ...expandShape, inChannels: shape.channels, groups: shape.channels, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
    padTop: shape.padTop, padLeft: shape.padLeft, padBottom: shape.padBottom, padRight: shape.padRight,
  };
  return conv2dReference(depthwiseShape, { bias: true, activation: activations.depthwise, residual: 'none' },
    Float32Array.from(expanded), depthwiseWeights, depthwiseBias, null);
}
