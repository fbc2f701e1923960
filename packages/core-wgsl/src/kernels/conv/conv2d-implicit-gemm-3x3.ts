import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import blockSource from '../gemm/register-block-8x8.wgsl';
import { laneLayout } from '../gemm/lane-layout';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { conv2dCost } from './conv2d-direct';
import { packImplicitGemmWeights } from './conv2d-implicit-gemm';
import type { Conv2dKernel } from './conv2d-kernel';
import source from './conv2d-implicit-gemm-3x3.wgsl';
import operandsSource from './conv2d-implicit-gemm-operands.wgsl';
import paramsSource from './conv2d-params.wgsl';
import storeSource from './conv2d-store-row-block.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

/** Checks that the 3×3 implicit GEMM can run `shape`: one group, a 3×3 kernel, dilation 1 and stride 1 along x. */
export function fitsImplicitGemm3x3(shape: Conv2dShape): boolean {
  return shape.groups === 1 && shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.dilationHeight === 1 && shape.dilationWidth === 1 && shape.strideWidth === 1;
}

/**
 * Creates the implicit-GEMM convolution for one group and a 3×3 kernel: 8 channels × 8
 * pixels of a row per invocation, loading each input row window once for all three taps.
 */
export function conv2dImplicitGemm3x3(shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32'): Conv2dKernel {
  if (!fitsImplicitGemm3x3(shape)) {
    throw new Error(
      `conv2d implicit-gemm-3x3-8x8: invalid shape (groups ${shape.groups}, kernel ${shape.kernelHeight}x${shape.kernelWidth}, ` +
        `dilation ${shape.dilationHeight}x${shape.dilationWidth}, stride along x ${shape.strideWidth}). It requires one group, ` +
        'a 3x3 kernel, dilation 1 and stride 1 along x. Use implicit-gemm-8x8 for other shapes.',
    );
  }
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const fused = epilogueWgsl(epilogue, 2);
  const pixelBlocks = ceilDiv(outWidth, 8) * outHeight;
  const lanes = laneLayout(pixelBlocks);
  const dispatch = checkWorkgroupCounts('conv2d implicit-gemm-3x3-8x8', [
    ceilDiv(pixelBlocks, lanes.columnLanes),
    ceilDiv(ceilDiv(outChannels, 8), lanes.rowLanes),
    batch,
  ]);
  const reduction = shape.inChannels * 9;

  return {
    variant: 'implicit-gemm-3x3-8x8',
    weightPrecision,
    packWeights: (weights) => encodeWeights(packImplicitGemmWeights(weights, outChannels, reduction), weightPrecision),
    program: {
      name: 'conv2d-implicit-gemm-3x3-8x8',
      shaderKey: `conv2d-implicit-gemm-3x3-8x8|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, blockSource, storeSource, operandsSource, source].join('\n'), { ...fused.defines, ...weightDefines(weightPrecision), BLOCK_32_ROWS: false, VEC4_OUTPUT: false, BROADCAST_BIAS: false }),
      dispatch,
      uniforms: [...conv2dUniforms(shape, 0, lanes.columnLanes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
