import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import type { KernelTarget } from '../kernel-target';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import source from './conv2d-depthwise-row-pairs.wgsl';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const DEPTHWISE_ROW_PAIRS_VARIANT = 'depthwise-3x3-row-pairs';

// Widest row the kernel takes. Each invocation keeps two input rows and three rows of sums in
// registers, 5 × 16 values per lane at the widest. At 28 px those 140 values per lane spilled on
// lavapipe: it ran MobileNetV2's 192-channel layer 15% slower than the strip kernel and took
// 1.8 s to compile.
const MAX_WIDTH = 16;

/**
 * Checks that the row-pair depthwise kernel can run `shape`: one input channel per group, 3×3,
 * stride 1, dilation 1, a padding of 1 on every side, and maps of an even width of at most 16
 * and an even height.
 */
export function fitsDepthwiseRowPairs(shape: Conv2dShape): boolean {
  return shape.groups === shape.inChannels && shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.strideHeight === 1 && shape.strideWidth === 1 && shape.dilationHeight === 1 && shape.dilationWidth === 1 &&
    shape.padTop === 1 && shape.padLeft === 1 && shape.padBottom === 1 && shape.padRight === 1 &&
    shape.inWidth % 2 === 0 && shape.inHeight % 2 === 0 && shape.inWidth <= MAX_WIDTH;
}

/** Creates the depthwise 3×3 convolution with one plane per invocation, two rows at a time (see fitsDepthwiseRowPairs). */
export function conv2dDepthwiseRowPairs(
  shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32', target: KernelTarget = {},
): Conv2dKernel {
  if (!fitsDepthwiseRowPairs(shape)) {
    throw new Error(
      `conv2d ${DEPTHWISE_ROW_PAIRS_VARIANT}: invalid shape (groups ${shape.groups} of ${shape.inChannels} channels, kernel ` +
        `${shape.kernelHeight}x${shape.kernelWidth}, stride ${shape.strideHeight}x${shape.strideWidth}, pads ` +
        `${shape.padTop},${shape.padLeft},${shape.padBottom},${shape.padRight}, input ${shape.inHeight}x${shape.inWidth}). ` +
        `It requires a depthwise 3x3 kernel with stride 1, dilation 1, pads of 1 and an even height and width of at most ${MAX_WIDTH}. ` +
        'Use depthwise-3x3-strip or depthwise-4x for other shapes.',
    );
  }
  const [batch, outChannels] = conv2dOutputShape(shape);
  const planes = batch * outChannels;
  // Lavapipe runs a workgroup on one CPU thread, 8 lanes at a time, so 8-invocation workgroups
  // spread a small layer over every thread.
  const workgroupSize = target.cpuAdapter === true ? 8 : 64;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: true });
  const defines = { ...fused.defines, ...weightDefines(weightPrecision), WIDTH: shape.inWidth, PARTIAL_WORKGROUP: planes % workgroupSize !== 0, WORKGROUP_SIZE: workgroupSize };

  return {
    variant: DEPTHWISE_ROW_PAIRS_VARIANT,
    weightPrecision,
    packWeights: (weights) => encodeWeights(Float32Array.from(weights), weightPrecision),
    program: {
      name: `conv2d-${DEPTHWISE_ROW_PAIRS_VARIANT}`,
      shaderKey: `conv2d-${DEPTHWISE_ROW_PAIRS_VARIANT}|width=${shape.inWidth}|partial=${planes % workgroupSize !== 0}|workgroup=${workgroupSize}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), defines),
      dispatch: dispatch1d(ceilDiv(planes, workgroupSize)),
      uniforms: [...conv2dUniforms(shape, planes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
