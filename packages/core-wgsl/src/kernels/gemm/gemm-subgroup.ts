import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import enableSubgroupsSource from '../enable-subgroups.wgsl';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { DEFAULT_SUBGROUP_LANES, type SubgroupLanes } from '../kernel-target';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import paramsSource from './gemm-params.wgsl';
import operandsSource from './gemm-operands.wgsl';
import source from './gemm-subgroup.wgsl';
import blockSource from './register-block-32x8-subgroup.wgsl';
import { gemmCost, gemmOperandLayout, gemmUniforms, type GemmKernel, type GemmShape } from './gemm-shape';
import { laneLayout } from './lane-layout';
import { checkWorkgroupCounts } from './workgroup-limits';

export const GEMM_SUBGROUP_VARIANT = 'subgroup-32x8';

/**
 * Creates the register-blocked GEMM with 32 rows × 8 columns per invocation and the rows of A
 * shared through subgroupBroadcast. The device needs the `subgroups` feature with subgroups of
 * `lanes.subgroupSize` (its largest, 8 to 64) lanes, and workgroups of `lanes.workgroupSize`
 * invocations (a power of two, at least the subgroup size).
 */
export function gemmSubgroup32x8(shape: GemmShape, epilogue: Epilogue, bPrecision: WeightPrecision = 'f32',
  lanes: SubgroupLanes = DEFAULT_SUBGROUP_LANES,
): GemmKernel {
  const fused = epilogueWgsl(epilogue, 2);
  const layout = gemmOperandLayout(shape);
  const columnBlocks = ceilDiv(shape.N, 8);
  // Whole subgroups along the columns, so that all lanes of one share the rows.
  const split = laneLayout(columnBlocks, lanes.subgroupSize, lanes.workgroupSize);
  const dispatch = checkWorkgroupCounts(`gemm ${GEMM_SUBGROUP_VARIANT}`, [
    ceilDiv(columnBlocks, split.columnLanes),
    ceilDiv(ceilDiv(shape.M, 32), split.rowLanes),
    shape.batch,
  ]);
  const defines = {
    ...fused.defines,
    ...weightDefines(bPrecision),
    ...layout.defines,
    ODD_REDUCTION: shape.K % 2 === 1,
    BROADCAST_BIAS: false,
    BLOCK_HAS_ROWS_16_23: true,
    BLOCK_HAS_ROWS_24_31: true,
    BLOCK_7_COLUMNS: false,
    WORKGROUP_SIZE: lanes.workgroupSize,
  };
  return {
    variant: GEMM_SUBGROUP_VARIANT,
    bPrecision,
    packB: (b) => encodeWeights(Float32Array.from(b), bPrecision),
    program: {
      name: `gemm-${GEMM_SUBGROUP_VARIANT}`,
      shaderKey: `gemm-${GEMM_SUBGROUP_VARIANT}|workgroup=${lanes.workgroupSize}|${layout.key}|oddK=${shape.K % 2 === 1}|${weightKey(bPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl(
        [weightPrecisionHeader, enableSubgroupsSource, paramsSource, fused.source, blockSource, operandsSource, source].join('\n'),
        defines,
      ),
      dispatch,
      uniforms: [...gemmUniforms(shape, 0, split.columnLanes, 32), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: gemmCost(shape, bPrecision),
    },
  };
}
