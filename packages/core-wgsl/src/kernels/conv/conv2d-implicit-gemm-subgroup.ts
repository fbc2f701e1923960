import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import enableSubgroupsSource from '../enable-subgroups.wgsl';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import type { SubgroupLanes } from '../kernel-target';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import blockSource from '../gemm/register-block-32x8-subgroup.wgsl';
import { laneLayout } from '../gemm/lane-layout';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { conv2dCost } from './conv2d-direct';
import { fitsImplicitGemm3x3 } from './conv2d-implicit-gemm-3x3';
import type { Conv2dKernel } from './conv2d-kernel';
import operandsSource from './conv2d-implicit-gemm-operands.wgsl';
import paramsSource from './conv2d-params.wgsl';
import { packSubgroupWeights } from './conv2d-pointwise-subgroup';
import source from './conv2d-implicit-gemm-subgroup.wgsl';
import storeSource from './conv2d-store-row-block.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const IMPLICIT_GEMM_SUBGROUP_VARIANT = 'implicit-gemm-subgroup-32x8';
export const IMPLICIT_GEMM_3X3_SUBGROUP_VARIANT = 'implicit-gemm-3x3-subgroup-32x8';

/**
 * Creates the implicit-GEMM convolution for one group with 32 channels × 8 pixels of a row per
 * invocation and the weights shared through subgroupBroadcast. `window3x3` selects the variant
 * that loads each input row window once for its three taps (see fitsImplicitGemm3x3). The device
 * needs the `subgroups` feature with subgroups of `lanes.subgroupSize` (its largest, 8 to 64) lanes,
 * and workgroups of `lanes.workgroupSize` invocations (a power of two, at least the subgroup size).
 */
export function conv2dImplicitGemmSubgroup(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision,
  lanes: SubgroupLanes,
  window3x3: boolean,
): Conv2dKernel {
  const variant = window3x3 ? IMPLICIT_GEMM_3X3_SUBGROUP_VARIANT : IMPLICIT_GEMM_SUBGROUP_VARIANT;
  if (shape.groups !== 1 || (window3x3 && !fitsImplicitGemm3x3(shape))) {
    throw new Error(
      `conv2d ${variant}: invalid shape (groups ${shape.groups}, kernel ${shape.kernelHeight}x${shape.kernelWidth}, ` +
        `dilation ${shape.dilationHeight}x${shape.dilationWidth}, stride along x ${shape.strideWidth}). It requires one group` +
        (window3x3 ? ', a 3x3 kernel, dilation 1 and stride 1 along x.' : '.'),
    );
  }
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  // vec4 stores (and residual loads) where every output row is a multiple of 4 values.
  const vec4Output = outWidth % 4 === 0;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: vec4Output });
  const pixelBlocks = ceilDiv(outWidth, 8) * outHeight;
  // Whole subgroups along the pixels, so that all lanes of one share the channel block.
  const split = laneLayout(pixelBlocks, lanes.subgroupSize, lanes.workgroupSize);
  // A strided row window (loaded once for all taps of a kernel row) where taps overlap at stride 2,
  // such as the 3×3 and 7×7 stride-2 layers of ResNet and MobileNetV2's stem.
  const stridedWindow = !window3x3 && shape.strideWidth === 2 && shape.dilationWidth === 1 && shape.kernelWidth >= 3 && shape.kernelWidth <= 7;
  const windowSize = 7 * shape.strideWidth + shape.kernelWidth;
  const defines = {
    ...fused.defines,
    ...weightDefines(weightPrecision),
    WINDOW_3X3: window3x3,
    STRIDED_WINDOW: stridedWindow,
    WINDOW_SIZE: windowSize,
    WINDOW_TAPS: shape.kernelWidth,
    WINDOW_STRIDE: shape.strideWidth,
    BLOCK_32_ROWS: true,
    VEC4_OUTPUT: vec4Output,
    BROADCAST_BIAS: epilogue.bias,
    BLOCK_HAS_ROWS_16_23: true,
    BLOCK_HAS_ROWS_24_31: true,
    BLOCK_7_COLUMNS: false,
    WORKGROUP_SIZE: lanes.workgroupSize,
  };
  const windowKey = stridedWindow ? `|window=${shape.kernelWidth}s${shape.strideWidth}` : '';
  const dispatch = checkWorkgroupCounts(`conv2d ${variant}`, [
    ceilDiv(pixelBlocks, split.columnLanes),
    ceilDiv(ceilDiv(outChannels, 32), split.rowLanes),
    batch,
  ]);
  const reduction = shape.inChannels * shape.kernelHeight * shape.kernelWidth;

  return {
    variant,
    weightPrecision,
    packWeights: (weights) => encodeWeights(packSubgroupWeights(weights, outChannels, reduction, variant), weightPrecision),
    program: {
      name: `conv2d-${variant}`,
      shaderKey: `conv2d-${variant}${windowKey}|workgroup=${lanes.workgroupSize}|vec4Output=${vec4Output}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl(
        [weightPrecisionHeader, enableSubgroupsSource, paramsSource, fused.source, blockSource, storeSource, operandsSource, source].join('\n'),
        defines,
      ),
      dispatch,
      uniforms: [...conv2dUniforms(shape, 0, split.columnLanes, 32), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
