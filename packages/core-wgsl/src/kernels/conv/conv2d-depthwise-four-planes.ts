import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import type { KernelTarget } from '../kernel-target';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import source from './conv2d-depthwise-four-planes.wgsl';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const DEPTHWISE_FOUR_PLANES_VARIANT = 'depthwise-3x3-four-planes';

// Widest row the kernel takes. Each invocation keeps two quads of input rows, the row above and
// a quad of sums in registers, 13 × WIDTH values per lane. On lavapipe at batch 8 it ran 5-15 px
// layers 1.04-1.27× faster than the strip kernel, but at 15 px its pipeline took 2.5 s to
// compile against 0.8 s (bench/kernels.ts).
const MAX_WIDTH = 15;

/**
 * Checks that the four-plane depthwise kernel can run `shape`. It needs one channel per group, as
 * many output channels as input channels and a multiple of 4 of them. The kernel is 3×3 with
 * stride 1, dilation 1 and a padding of 1 on every side, on maps of an odd width of at most 15.
 */
export function fitsDepthwiseFourPlanes(shape: Conv2dShape): boolean {
  return shape.groups === shape.inChannels && shape.outChannels === shape.inChannels && shape.inChannels % 4 === 0 &&
    shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.strideHeight === 1 && shape.strideWidth === 1 && shape.dilationHeight === 1 && shape.dilationWidth === 1 &&
    shape.padTop === 1 && shape.padLeft === 1 && shape.padBottom === 1 && shape.padRight === 1 &&
    shape.inWidth % 2 === 1 && shape.inWidth <= MAX_WIDTH;
}

/**
 * Packs OIHW depthwise weights (9 per channel) per group of 4 channels as 9 taps of 4 values,
 * so that one vec4 load gives a tap of all four planes.
 */
export function packFourPlaneWeights(weights: ArrayLike<number>): Float32Array {
  const channels = weights.length / 9;
  const packed = new Float32Array(weights.length);
  for (let channel = 0; channel < channels; channel++) {
    const group = Math.floor(channel / 4);
    for (let tap = 0; tap < 9; tap++) {
      packed[(group * 9 + tap) * 4 + (channel % 4)] = weights[channel * 9 + tap];
    }
  }
  return packed;
}

/** Creates the depthwise 3×3 convolution with four planes per invocation, a quad of rows at a time (see fitsDepthwiseFourPlanes). */
export function conv2dDepthwiseFourPlanes(
  shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32', target: KernelTarget = {},
): Conv2dKernel {
  if (!fitsDepthwiseFourPlanes(shape)) {
    throw new Error(
      `conv2d ${DEPTHWISE_FOUR_PLANES_VARIANT}: invalid shape (groups ${shape.groups} of ${shape.inChannels} channels, ` +
        `${shape.outChannels} out, kernel ${shape.kernelHeight}x${shape.kernelWidth}, stride ${shape.strideHeight}x${shape.strideWidth}, pads ` +
        `${shape.padTop},${shape.padLeft},${shape.padBottom},${shape.padRight}, input ${shape.inHeight}x${shape.inWidth}). ` +
        'It requires a depthwise 3x3 kernel with a multiple of 4 channels and as many out, stride 1, dilation 1, pads of 1 ' +
        `and an odd width of at most ${MAX_WIDTH}. Use depthwise-3x3-strip or depthwise-4x for other shapes.`,
    );
  }
  const [batch, outChannels] = conv2dOutputShape(shape);
  const groups = (batch * outChannels) / 4;
  // Lavapipe runs a workgroup on one CPU thread, 8 lanes at a time, so 8-invocation workgroups
  // spread a small layer over every thread.
  const workgroupSize = target.cpuAdapter === true ? 8 : 64;
  const partial = groups % workgroupSize !== 0;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: true });
  const defines = { ...fused.defines, ...weightDefines(weightPrecision), WIDTH: shape.inWidth, PARTIAL_WORKGROUP: partial, WORKGROUP_SIZE: workgroupSize };

  return {
    variant: DEPTHWISE_FOUR_PLANES_VARIANT,
    weightPrecision,
    packWeights: (weights) => encodeWeights(packFourPlaneWeights(weights), weightPrecision),
    program: {
      name: `conv2d-${DEPTHWISE_FOUR_PLANES_VARIANT}`,
      shaderKey: `conv2d-${DEPTHWISE_FOUR_PLANES_VARIANT}|width=${shape.inWidth}|partial=${partial}|workgroup=${workgroupSize}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), defines),
      dispatch: dispatch1d(ceilDiv(groups, workgroupSize)),
      uniforms: [...conv2dUniforms(shape, groups), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
