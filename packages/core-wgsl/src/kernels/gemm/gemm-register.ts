import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import operandsSource from './gemm-operands.wgsl';
import source from './gemm-register.wgsl';
import paramsSource from './gemm-params.wgsl';
import blockSource from './register-block-8x8.wgsl';
import { gemmCost, gemmOperandLayout, gemmUniforms, type GemmKernel, type GemmShape } from './gemm-shape';
import { laneLayout } from './lane-layout';
import { checkWorkgroupCounts } from './workgroup-limits';

/** Creates the register-blocked GEMM: 8×8 outputs per invocation, 64 invocations per workgroup. */
export function gemmRegister8x8(shape: GemmShape, epilogue: Epilogue, bPrecision: WeightPrecision = 'f32'): GemmKernel {
  const fused = epilogueWgsl(epilogue, 2);
  const layout = gemmOperandLayout(shape);
  const columnBlocks = ceilDiv(shape.N, 8);
  const lanes = laneLayout(columnBlocks);
  const dispatch = checkWorkgroupCounts('gemm register-8x8', [
    ceilDiv(columnBlocks, lanes.columnLanes),
    ceilDiv(ceilDiv(shape.M, 8), lanes.rowLanes),
    shape.batch,
  ]);
  const defines = {
    ...fused.defines,
    ...weightDefines(bPrecision),
    ...layout.defines,
    UNIFORM_ROWS: lanes.rowLanes === 1,
  };
  return {
    variant: 'register-8x8',
    bPrecision,
    packB: (b) => encodeWeights(Float32Array.from(b), bPrecision),
    program: {
      name: 'gemm-register-8x8',
      shaderKey: `gemm-register-8x8|${layout.key}|uniformRows=${lanes.rowLanes === 1}|${weightKey(bPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, blockSource, operandsSource, source].join('\n'), defines),
      dispatch,
      uniforms: [...gemmUniforms(shape, 0, lanes.columnLanes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: gemmCost(shape, bPrecision),
    },
  };
}
