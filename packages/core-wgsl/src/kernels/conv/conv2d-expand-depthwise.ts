import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, type KernelProgram } from '../../runtime/program';
import { clampUniforms, isClampActivation, type Activation } from '../activation/activation';
import enableSubgroupsSource from '../enable-subgroups.wgsl';
import { hasSubgroupsOf8To64, type KernelTarget } from '../kernel-target';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import source from './conv2d-expand-depthwise.wgsl';
import { packSubgroupWeights } from './conv2d-pointwise-subgroup';

export const EXPAND_DEPTHWISE_VARIANT = 'expand-depthwise-subgroup-32';

/**
 * A 1×1 expansion convolution (stride 1, no padding) from `inChannels` to `channels`, followed by
 * a 3×3 depthwise convolution with stride 2 and dilation 1 on its output, both NCHW with a bias each.
 */
export interface ExpandDepthwiseShape {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  channels: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/** The activations fused after each of the two convolutions. */
export interface ExpandDepthwiseActivations {
  expand: Activation;
  depthwise: Activation;
}

/** The fused kernel: its program and the packing of its two weight operands. */
export interface ExpandDepthwiseKernel {
  variant: string;
  weightPrecision: WeightPrecision;
  program: KernelProgram;
  /** Packs the C×K expansion weights (OIHW order), as float16 bit patterns for f16 weights. */
  packExpandWeights(weights: Float32Array): Float32Array | Uint16Array;
  /** Packs the C×9 depthwise weights (OIHW order) with the C depthwise and C expansion biases. */
  packChannelWeights(depthwiseWeights: Float32Array, depthwiseBias: Float32Array, expandBias: Float32Array): Float32Array;
}

/** Returns [N, C, out height, out width] of the fused convolutions. */
export function expandDepthwiseOutputShape(shape: ExpandDepthwiseShape): [number, number, number, number] {
  const outHeight = Math.floor((shape.height + shape.padTop + shape.padBottom - 3) / 2) + 1;
  const outWidth = Math.floor((shape.width + shape.padLeft + shape.padRight - 3) / 2) + 1;
  return [shape.batch, shape.channels, outHeight, outWidth];
}

/**
 * Returns why the fused kernel cannot run `shape` with `activations` on `target`, or null when it
 * can. It needs subgroups of 8 to 64 lanes. Both activations must be clamps (none, ReLU, ReLU6),
 * every pad 0 or 1, and the output at least one row and one column.
 */
export function expandDepthwiseMismatch(
  shape: ExpandDepthwiseShape, activations: ExpandDepthwiseActivations, target: KernelTarget,
): string | null {
  if (!hasSubgroupsOf8To64(target)) return 'needs subgroups of 8 to 64 lanes';
  const [, , outHeight, outWidth] = expandDepthwiseOutputShape(shape);
  if (!isClampActivation(activations.expand) || !isClampActivation(activations.depthwise)) {
    return 'needs clamp activations (none, ReLU or Clip)';
  }
  const pads = [shape.padTop, shape.padLeft, shape.padBottom, shape.padRight];
  if (pads.some((pad) => pad !== 0 && pad !== 1)) return `needs pads of 0 or 1, got ${pads.join(', ')}`;
  if (outHeight < 1 || outWidth < 1) return 'has an empty output';
  return null;
}

/** The maximum number of expansion input channels at which the runner fuses the pair. */
export const EXPAND_DEPTHWISE_MAX_IN_CHANNELS = 24;

/**
 * Returns whether the runner should fuse `shape`: true where the expansion reads at most
 * EXPAND_DEPTHWISE_MAX_IN_CHANNELS channels. Fusion saves the store and reload of the expanded
 * tensor, a cost per expanded value, while the 1×1 convolution's work per expanded value grows with
 * its input channels. `bench kernels fused` times both ways in one run. On lavapipe at batch 8
 * the fused kernel took 0.82 of the two kernels' time on MobileNetV2's 24→144 block at 56 px,
 * 0.92 on its 32→192 block at 28 px and 1.14 on its 96→576 block at 14 px. These are medians of
 * 8 runs on a noisy machine. The 28 px block's pipeline, with output rows of 14 values, took 5 s to
 * compile without Mesa's shader cache, more than its 8% saves in a run over a few hundred images.
 */
export function expandDepthwisePaysOff(shape: ExpandDepthwiseShape): boolean {
  return shape.inChannels <= EXPAND_DEPTHWISE_MAX_IN_CHANNELS;
}

/**
 * Creates the fused expansion and depthwise convolution (conv2d-expand-depthwise.wgsl). Operands
 * in order: input, the kernel's `packExpandWeights` and `packChannelWeights` outputs, then the
 * output. `weightPrecision` sets the storage of the expansion weights, while the depthwise weights
 * and the biases stay float32. Stride 1 is not fused: the carried sums of two output rows over 8
 * columns doubled the state, and such a kernel ran MobileNetV2's 24→144 block at 56 px 24% slower
 * than the two kernels (bench/kernels.ts, batch 8, lavapipe). A later prototype of this kernel
 * with strips of 4 at stride 1, which computes 6 expanded columns per strip, ran it 26% slower.
 */
export function conv2dExpandDepthwise(
  shape: ExpandDepthwiseShape, activations: ExpandDepthwiseActivations, target: KernelTarget, weightPrecision: WeightPrecision = 'f32',
): ExpandDepthwiseKernel {
  const mismatch = expandDepthwiseMismatch(shape, activations, target);
  if (mismatch !== null) {
    throw new Error(`conv2d ${EXPAND_DEPTHWISE_VARIANT}: the shape or device ${mismatch}. Run the two convolutions separately.`);
  }
  const [, , outHeight, outWidth] = expandDepthwiseOutputShape(shape);
  // Each strip reads input columns x0 .. x0 + 7 and one halo column, and writes up to 4 outputs.
  const stripsPerRow = Math.ceil(outWidth / 4);
  const stripCount = shape.batch * stripsPerRow;
  // One subgroup per workgroup where the device has one size, so that every lane of a workgroup
  // shares the channel block.
  const workgroupSize = target.subgroupSizes!.max;
  const inputVector = shape.width % 4 === 0 ? 4 : 1;
  const defines = {
    ...weightDefines(weightPrecision),
    LEFT_HALO: shape.padLeft === 1,
    ODD_REDUCTION: shape.inChannels % 2 === 1,
    // vec4 loads and stores where the rows allow them: on lavapipe each load and store runs lane
    // by lane.
    VEC4_INPUT: inputVector === 4,
    INPUT_VECTOR: inputVector,
    VEC4_OUTPUT: outWidth % 4 === 0,
    WORKGROUP_SIZE: workgroupSize,
  };
  const [expandMin, expandMax, expandClamp] = clampUniforms(activations.expand);
  const [depthwiseMin, depthwiseMax, depthwiseClamp] = clampUniforms(activations.depthwise);
  const expandFlops = 2 * shape.batch * shape.height * shape.width * shape.inChannels * shape.channels;
  const depthwiseFlops = 2 * 9 * shape.batch * shape.channels * outHeight * outWidth;
  const inputBytes = 4 * shape.batch * shape.inChannels * shape.height * shape.width;
  const weightBytes = shape.channels * (shape.inChannels * (weightPrecision === 'f16' ? 2 : 4) + 11 * 4);
  const outputBytes = 4 * shape.batch * shape.channels * outHeight * outWidth;

  return {
    variant: EXPAND_DEPTHWISE_VARIANT,
    weightPrecision,
    packExpandWeights: (weights) => encodeWeights(packExpandWeights(weights, shape.channels, shape.inChannels), weightPrecision),
    packChannelWeights: (depthwiseWeights, depthwiseBias, expandBias) =>
      packChannelWeights(depthwiseWeights, depthwiseBias, expandBias, shape.channels),
    program: {
      name: `conv2d-${EXPAND_DEPTHWISE_VARIANT}`,
      shaderKey:
        `conv2d-${EXPAND_DEPTHWISE_VARIANT}|padLeft=${shape.padLeft}|oddK=${defines.ODD_REDUCTION}|vec4In=${defines.VEC4_INPUT}|vec4Out=${defines.VEC4_OUTPUT}|workgroup=${workgroupSize}|${weightKey(weightPrecision)}`,
      code: specializeWgsl([weightPrecisionHeader, enableSubgroupsSource, source].join('\n'), defines),
      dispatch: checkWorkgroupCounts(`conv2d ${EXPAND_DEPTHWISE_VARIANT}`, [
        ceilDiv(stripCount, workgroupSize),
        ceilDiv(shape.channels, 32),
        1,
      ]),
      uniforms: [
        ['u32', shape.batch],
        ['u32', shape.inChannels],
        ['u32', shape.height],
        ['u32', shape.width],
        ['u32', shape.channels],
        ['u32', outHeight],
        ['u32', outWidth],
        ['i32', shape.padTop],
        ['u32', stripsPerRow],
        ['u32', stripCount],
        expandMin,
        expandMax,
        expandClamp,
        depthwiseMin,
        depthwiseMax,
        depthwiseClamp,
      ],
      inputCount: 3,
      cost: { flops: expandFlops + depthwiseFlops, bytes: inputBytes + weightBytes + outputBytes },
      // The packed weights cover whole blocks of 32 channels, float16 ones two to a 4-byte value.
      operandLengths: {
        inputs: [
          shape.batch * shape.inChannels * shape.height * shape.width,
          (ceilDiv(shape.channels, 32) * 32 * shape.inChannels) / (weightPrecision === 'f16' ? 2 : 1),
          ceilDiv(shape.channels, 32) * 8 * 44,
        ],
        output: shape.batch * shape.channels * outHeight * outWidth,
      },
    },
  };
}

/**
 * Packs the C×K expansion weights for blocks of 32 channels (packSubgroupWeights), with the last
 * channel's weights repeated past C. A partial block's extra channels then compute the last
 * channel's outputs again and store them over its own, so the kernel stores without a check per
 * channel.
 */
function packExpandWeights(weights: Float32Array, channels: number, inChannels: number): Float32Array {
  if (weights.length !== channels * inChannels) {
    throw new Error(
      `conv2d ${EXPAND_DEPTHWISE_VARIANT}: expected ${channels}x${inChannels} = ${channels * inChannels} expansion weights, got ${weights.length}.`,
    );
  }
  const padded = ceilDiv(channels, 32) * 32;
  const repeated = new Float32Array(padded * inChannels);
  repeated.set(weights);
  for (let channel = channels; channel < padded; channel++) {
    repeated.set(weights.subarray((channels - 1) * inChannels), channel * inChannels);
  }
  return packSubgroupWeights(repeated, padded, inChannels, EXPAND_DEPTHWISE_VARIANT);
}

/**
 * Packs each channel's 9 depthwise taps, depthwise bias and expansion bias as 11 vec4s per group
 * of 4 channels, one channel per component ([block][lane][11] for blocks of 32 channels and 8
 * lanes), repeating the last channel past C.
 */
function packChannelWeights(
  depthwiseWeights: Float32Array, depthwiseBias: Float32Array, expandBias: Float32Array, channels: number,
): Float32Array {
  if (depthwiseWeights.length !== channels * 9 || depthwiseBias.length !== channels || expandBias.length !== channels) {
    throw new Error(
      `conv2d ${EXPAND_DEPTHWISE_VARIANT}: expected ${channels}x9 depthwise weights and ${channels} biases of each ` +
        `convolution, got ${depthwiseWeights.length}, ${depthwiseBias.length} and ${expandBias.length}.`,
    );
  }
  const groups = ceilDiv(channels, 32) * 8;
  const packed = new Float32Array(groups * 11 * 4);
  for (let group = 0; group < groups; group++) {
    for (let i = 0; i < 4; i++) {
      const channel = Math.min(group * 4 + i, channels - 1);
      const base = group * 44 + i;
      for (let tap = 0; tap < 9; tap++) packed[base + tap * 4] = depthwiseWeights[channel * 9 + tap]!;
      packed[base + 36] = depthwiseBias[channel]!;
      packed[base + 40] = expandBias[channel]!;
    }
  }
  return packed;
}
