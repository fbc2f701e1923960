import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import blockSource from '../gemm/register-block-8x8.wgsl';
import { laneLayout } from '../gemm/lane-layout';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import source from './conv2d-implicit-gemm.wgsl';
import operandsSource from './conv2d-implicit-gemm-operands.wgsl';
import paramsSource from './conv2d-params.wgsl';
import storeSource from './conv2d-store-row-block.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

/** Creates the implicit-GEMM convolution for one group: 8 channels × 8 pixels of a row per invocation. */
export function conv2dImplicitGemm(shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32'): Conv2dKernel {
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const fused = epilogueWgsl(epilogue, 2);
  const pixelBlocks = ceilDiv(outWidth, 8) * outHeight;
  const lanes = laneLayout(pixelBlocks);
  const uniformChannels = lanes.rowLanes === 1;
  const defines = { ...fused.defines, ...weightDefines(weightPrecision), UNIFORM_CHANNELS: uniformChannels, BLOCK_32_ROWS: false, VEC4_OUTPUT: false, BROADCAST_BIAS: false };
  const dispatch = checkWorkgroupCounts('conv2d implicit-gemm-8x8', [
    ceilDiv(pixelBlocks, lanes.columnLanes),
    ceilDiv(ceilDiv(outChannels, 8), lanes.rowLanes),
    batch,
  ]);
  const reduction = shape.inChannels * shape.kernelHeight * shape.kernelWidth;

  return {
    variant: 'implicit-gemm-8x8',
    weightPrecision,
    packWeights: (weights) => encodeWeights(packImplicitGemmWeights(weights, outChannels, reduction), weightPrecision),
    program: {
      name: 'conv2d-implicit-gemm-8x8',
      shaderKey: `conv2d-implicit-gemm-8x8|uniformChannels=${uniformChannels}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, blockSource, storeSource, operandsSource, source].join('\n'), defines),
      dispatch,
      uniforms: [...conv2dUniforms(shape, 0, lanes.columnLanes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}

/**
 * Packs OIHW weights as [ceil(O/8)][I·KH·KW][8], zero-filled past O, so one invocation
 * reads the 8 output channels of one (input channel, ky, kx) tap as two consecutive vec4.
 */
export function packImplicitGemmWeights(weights: Float32Array, outChannels: number, reduction: number): Float32Array {
  if (weights.length !== outChannels * reduction) {
    throw new Error(
      `conv2d implicit-gemm: expected ${outChannels}x${reduction} = ${outChannels * reduction} OIHW weights, got ${weights.length}.`,
    );
  }
  const blocks = Math.ceil(outChannels / 8);
  const packed = new Float32Array(blocks * reduction * 8);
  for (let o = 0; o < outChannels; o++) {
    const block = Math.floor(o / 8);
    for (let k = 0; k < reduction; k++) {
      packed[(block * reduction + k) * 8 + (o % 8)] = weights[o * reduction + k]!;
    }
  }
  return packed;
}
