import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import blockSource from '../gemm/register-block-8x8.wgsl';
import { laneLayout } from '../gemm/lane-layout';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import paramsSource from './conv2d-params.wgsl';
import operandsSource from './conv2d-pointwise-operands.wgsl';
import source from './conv2d-pointwise.wgsl';
import { conv2dUniforms, type Conv2dShape } from './conv2d-shape';

/** Creates the 1×1 convolution (stride 1, no padding, one group) run as a register-blocked GEMM. */
export function conv2dPointwise(shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32'): Conv2dKernel {
  const pixelCount = shape.inHeight * shape.inWidth;
  // vec4 input loads need every channel plane to start on a 16-byte boundary.
  const vec4Input = pixelCount % 4 === 0;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: vec4Input });
  const pixelBlocks = ceilDiv(pixelCount, 8);
  const lanes = laneLayout(pixelBlocks);
  const channelBlocks = ceilDiv(shape.outChannels, 8);
  const uniformChannels = lanes.rowLanes === 1;
  const defines = { ...fused.defines, ...weightDefines(weightPrecision), VEC4_INPUT: vec4Input, FOLDED_BATCH: false, BROADCAST_BIAS: false, UNIFORM_CHANNELS: uniformChannels, BLOCK_COLUMNS: 8 };
  const dispatch = checkWorkgroupCounts('conv2d pointwise-gemm-8x8', [
    ceilDiv(pixelBlocks, lanes.columnLanes),
    ceilDiv(channelBlocks, lanes.rowLanes),
    shape.batch,
  ]);

  return {
    variant: 'pointwise-gemm-8x8',
    weightPrecision,
    packWeights: (weights) => encodeWeights(packPointwiseWeights(weights, shape.outChannels, shape.inChannels), weightPrecision),
    program: {
      name: 'conv2d-pointwise-gemm-8x8',
      shaderKey: `conv2d-pointwise-gemm-8x8|vec4=${vec4Input}|uniformChannels=${uniformChannels}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, blockSource, operandsSource, source].join('\n'), defines),
      dispatch,
      uniforms: [...conv2dUniforms(shape, 0, lanes.columnLanes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}

/**
 * Packs O×I (×1×1) weights as [ceil(O/8)][I][8], zero-filled past O, so one invocation
 * reads the 8 output channels of an input channel as two consecutive vec4.
 */
export function packPointwiseWeights(weights: Float32Array, outChannels: number, inChannels: number): Float32Array {
  if (weights.length !== outChannels * inChannels) {
    throw new Error(
      `conv2d pointwise: expected ${outChannels}x${inChannels} = ${outChannels * inChannels} weights, got ${weights.length}.`,
    );
  }
  const blocks = Math.ceil(outChannels / 8);
  const packed = new Float32Array(blocks * inChannels * 8);
  for (let o = 0; o < outChannels; o++) {
    const block = Math.floor(o / 8);
    for (let i = 0; i < inChannels; i++) {
      packed[(block * inChannels + i) * 8 + (o % 8)] = weights[o * inChannels + i]!;
    }
  }
  return packed;
}
