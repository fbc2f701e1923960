import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import source from './gemm-dot.wgsl';
import paramsSource from './gemm-params.wgsl';
import { gemmCost, gemmUniforms, type GemmKernel, type GemmShape } from './gemm-shape';
import { checkWorkgroupCounts } from './workgroup-limits';

/** Creates the dot-product GEMM for A stored M×K and B stored N×K, with K a multiple of 4. */
export function gemmDotVec4(shape: GemmShape, epilogue: Epilogue, bPrecision: WeightPrecision = 'f32'): GemmKernel {
  if (shape.transposeA || !shape.transposeB || shape.K % 4 !== 0) {
    throw new Error(
      `gemm dot-vec4: needs transposeA false, transposeB true and K a multiple of 4, got ` +
        `transposeA ${shape.transposeA}, transposeB ${shape.transposeB}, K ${shape.K}. Use selectGemm to pick a variant.`,
    );
  }
  const fused = epilogueWgsl(epilogue, 2);
  const dispatch = checkWorkgroupCounts('gemm dot-vec4', [ceilDiv(shape.N, 64), shape.M, shape.batch]);
  return {
    variant: 'dot-vec4',
    bPrecision,
    packB: (b) => encodeWeights(Float32Array.from(b), bPrecision),
    program: {
      name: 'gemm-dot-vec4',
      shaderKey: `gemm-dot-vec4|${weightKey(bPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), { ...fused.defines, ...weightDefines(bPrecision) }),
      dispatch,
      uniforms: [...gemmUniforms(shape, 0), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: gemmCost(shape, bPrecision),
    },
  };
}
