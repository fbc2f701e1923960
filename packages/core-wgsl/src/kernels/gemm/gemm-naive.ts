import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import paramsSource from './gemm-params.wgsl';
import source from './gemm-naive.wgsl';
import { gemmCost, gemmLayoutKey, gemmUniforms, type GemmKernel, type GemmShape } from './gemm-shape';

/** Creates the general GEMM: one output per invocation, A and B read as stored. */
export function gemmNaive(shape: GemmShape, epilogue: Epilogue, bPrecision: WeightPrecision = 'f32'): GemmKernel {
  const outputLength = shape.batch * shape.M * shape.N;
  const fused = epilogueWgsl(epilogue, 2);
  const defines = { ...fused.defines, ...weightDefines(bPrecision), TRANSPOSE_A: shape.transposeA, TRANSPOSE_B: shape.transposeB };
  return {
    variant: 'naive',
    bPrecision,
    packB: (b) => encodeWeights(Float32Array.from(b), bPrecision),
    program: {
      name: 'gemm-naive',
      shaderKey: `gemm-naive|${gemmLayoutKey(shape)}|${weightKey(bPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), defines),
      dispatch: dispatch1d(ceilDiv(outputLength, 64)),
      uniforms: [...gemmUniforms(shape, outputLength), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: gemmCost(shape, bPrecision),
    },
  };
}
