import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import paramsSource from './gemm-params.wgsl';
import source from './gemm-shared-tile.wgsl';
import { gemmCost, gemmLayoutKey, gemmUniforms, type GemmKernel, type GemmShape } from './gemm-shape';
import { checkWorkgroupCounts } from './workgroup-limits';

/** Creates the shared-memory tiled GEMM: 32×32 tiles per workgroup of 8×8 invocations. */
export function gemmSharedTile32(shape: GemmShape, epilogue: Epilogue, bPrecision: WeightPrecision = 'f32'): GemmKernel {
  const fused = epilogueWgsl(epilogue, 2);
  const defines = { ...fused.defines, ...weightDefines(bPrecision), TRANSPOSE_A: shape.transposeA, TRANSPOSE_B: shape.transposeB };
  const dispatch = checkWorkgroupCounts('gemm shared-tile-32x32', [ceilDiv(shape.N, 32), ceilDiv(shape.M, 32), shape.batch]);
  return {
    variant: 'shared-tile-32x32',
    bPrecision,
    packB: (b) => encodeWeights(Float32Array.from(b), bPrecision),
    program: {
      name: 'gemm-shared-tile-32x32',
      shaderKey: `gemm-shared-tile-32x32|${gemmLayoutKey(shape)}|${weightKey(bPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), defines),
      dispatch,
      uniforms: [...gemmUniforms(shape, 0), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: gemmCost(shape, bPrecision),
    },
  };
}
