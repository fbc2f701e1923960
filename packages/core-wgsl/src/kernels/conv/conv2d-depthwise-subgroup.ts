import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import enableSubgroupsSource from '../enable-subgroups.wgsl';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { checkWorkgroupCounts, MAX_WORKGROUPS_PER_DIMENSION } from '../gemm/workgroup-limits';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import commonSource from './conv2d-depthwise-common.wgsl';
import source from './conv2d-depthwise-subgroup.wgsl';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const DEPTHWISE_SUBGROUP_VARIANT = 'depthwise-3x3-subgroup';

/**
 * Checks that the subgroup depthwise kernel can run `shape`. It needs one input channel per group
 * and a 3×3 kernel with dilation 1. At stride 1 it needs one left padding column, at stride 2 zero
 * or one, and input rows of a multiple of 4 values, and its workgroup counts must fit WebGPU's
 * 65,535 per dimension. The device also needs 8-lane subgroups.
 */
export function fitsDepthwiseSubgroup(shape: Conv2dShape): boolean {
  const stride = shape.strideWidth;
  const padsFit = stride === 1 ? shape.padLeft === 1 : stride === 2 && (shape.padLeft === 0 || shape.padLeft === 1);
  if (!(shape.groups === shape.inChannels && shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.strideHeight === stride && padsFit && shape.dilationHeight === 1 && shape.dilationWidth === 1 &&
    shape.inWidth % 4 === 0)) {
    return false;
  }
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const [bandGroups, planes] = depthwiseSubgroupWorkgroups(batch * outChannels, bandsPerPlane(outHeight, outWidth));
  return bandGroups <= MAX_WORKGROUPS_PER_DIMENSION && planes <= MAX_WORKGROUPS_PER_DIMENSION;
}

/** Returns the bands of 8 output rows × 64 columns in one plane, one band per subgroup. */
function bandsPerPlane(outHeight: number, outWidth: number): number {
  return ceilDiv(outWidth, 64) * ceilDiv(outHeight, 8);
}

// One plane per workgroup row, 8 bands per workgroup.
function depthwiseSubgroupWorkgroups(planes: number, bands: number): [number, number, number] {
  return [ceilDiv(bands, 8), planes, 1];
}

/** Creates the depthwise 3×3 convolution with 8 output rows × 64 columns per 8-lane subgroup (see fitsDepthwiseSubgroup). */
export function conv2dDepthwiseSubgroup(shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32'): Conv2dKernel {
  if (!fitsDepthwiseSubgroup(shape)) {
    throw new Error(
      `conv2d ${DEPTHWISE_SUBGROUP_VARIANT}: invalid shape (groups ${shape.groups} of ${shape.inChannels} channels, kernel ` +
        `${shape.kernelHeight}x${shape.kernelWidth}, stride ${shape.strideHeight}x${shape.strideWidth}, left padding ${shape.padLeft}, ` +
        `width ${shape.inWidth}). It requires a depthwise 3x3 kernel with dilation 1, stride 1 with left padding 1 or stride 2 ` +
        'with left padding 0 or 1, and a width that is a multiple of 4. Use depthwise-4x for other shapes.',
    );
  }
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  // vec4 stores (and residual loads) where every output row starts on a 16-byte boundary.
  const vec4Output = outWidth % 4 === 0;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: vec4Output });
  const bands = bandsPerPlane(outHeight, outWidth);
  const planes = batch * outChannels;
  const dispatch = checkWorkgroupCounts(`conv2d ${DEPTHWISE_SUBGROUP_VARIANT}`, depthwiseSubgroupWorkgroups(planes, bands));
  const stride = shape.strideWidth;
  const defines = {
    ...fused.defines,
    ...weightDefines(weightPrecision),
    KERNEL_3X3: false,
    VEC4_OUTPUT: vec4Output,
    STRIDE: stride,
    STRIDE_2: stride === 2,
    PAD_LEFT_ONE: shape.padLeft === 1,
  };

  return {
    variant: DEPTHWISE_SUBGROUP_VARIANT,
    weightPrecision,
    packWeights: (weights) => encodeWeights(Float32Array.from(weights), weightPrecision),
    program: {
      name: `conv2d-${DEPTHWISE_SUBGROUP_VARIANT}`,
      shaderKey: `conv2d-${DEPTHWISE_SUBGROUP_VARIANT}|s${stride}|padLeft=${shape.padLeft}|vec4Output=${vec4Output}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, enableSubgroupsSource, paramsSource, fused.source, source, commonSource].join('\n'), defines),
      dispatch,
      uniforms: [...conv2dUniforms(shape, bands * planes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
