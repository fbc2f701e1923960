import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv } from '../../runtime/program';
import enableSubgroupsSource from '../enable-subgroups.wgsl';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { DEFAULT_SUBGROUP_LANES, type SubgroupLanes } from '../kernel-target';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import blockSource from '../gemm/register-block-32x8-subgroup.wgsl';
import { laneLayout } from '../gemm/lane-layout';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import paramsSource from './conv2d-params.wgsl';
import operandsSource from './conv2d-pointwise-operands.wgsl';
import source from './conv2d-pointwise-subgroup.wgsl';
import { conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const POINTWISE_SUBGROUP_VARIANT = 'pointwise-subgroup-32x8';

/**
 * Creates the 1×1 convolution (stride 1, no padding, one group) run as a GEMM with 32 channels
 * × 8 pixels per invocation and the weights shared through subgroupBroadcast. The device needs
 * the `subgroups` feature with subgroups of `lanes.subgroupSize` (its largest, 8 to 64) lanes, and
 * workgroups of `lanes.workgroupSize` invocations (a power of two, at least the subgroup size).
 */
export function conv2dPointwiseSubgroup(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision = 'f32',
  lanes: SubgroupLanes = DEFAULT_SUBGROUP_LANES,
): Conv2dKernel {
  const pixelCount = shape.inHeight * shape.inWidth;
  // vec4 input loads need every channel plane to start on a 16-byte boundary.
  const vec4Input = pixelCount % 4 === 0;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: vec4Input });
  // The images' pixels form one row of columns. A 14×14 map at batch 8 then fills 1,568 of 1,600
  // columns instead of 1,568 of 2,048 (8 lanes × 8 pixels per subgroup). On lavapipe MobileNetV2's
  // 14 px 1×1 layers took 37 ms in all at batch 8 instead of 47 ms (pnpm bench --profile-kernels).
  const blockColumns = pointwiseBlockColumns(pixelCount * shape.batch, vec4Input, lanes);
  const pixelBlocks = ceilDiv(pixelCount * shape.batch, blockColumns);
  // Whole subgroups along the pixels, so that all lanes of one share the channel block.
  const split = laneLayout(pixelBlocks, lanes.subgroupSize, lanes.workgroupSize);
  const blockRows = pointwiseBlockRows(shape.outChannels);
  const channelBlocks = ceilDiv(shape.outChannels, blockRows);
  const oddReduction = shape.inChannels % 2 === 1;
  const defines = {
    ...fused.defines,
    ...weightDefines(weightPrecision),
    VEC4_INPUT: vec4Input,
    FOLDED_BATCH: true,
    BROADCAST_BIAS: epilogue.bias,
    ODD_REDUCTION: oddReduction,
    BLOCK_ROWS: blockRows,
    BLOCK_HAS_ROWS_16_23: blockRows >= 24,
    BLOCK_HAS_ROWS_24_31: blockRows === 32,
    BLOCK_COLUMNS: blockColumns,
    BLOCK_7_COLUMNS: blockColumns === 7,
    WORKGROUP_SIZE: lanes.workgroupSize,
  };
  const dispatch = checkWorkgroupCounts(`conv2d ${POINTWISE_SUBGROUP_VARIANT}`, [
    ceilDiv(pixelBlocks, split.columnLanes),
    ceilDiv(channelBlocks, split.rowLanes),
    1,
  ]);

  return {
    variant: POINTWISE_SUBGROUP_VARIANT,
    weightPrecision,
    packWeights: (weights) =>
      encodeWeights(packSubgroupWeights(weights, shape.outChannels, shape.inChannels, POINTWISE_SUBGROUP_VARIANT, blockRows), weightPrecision),
    program: {
      name: `conv2d-${POINTWISE_SUBGROUP_VARIANT}`,
      shaderKey: `conv2d-${POINTWISE_SUBGROUP_VARIANT}|workgroup=${lanes.workgroupSize}|vec4=${vec4Input}|oddK=${oddReduction}|rows=${blockRows}|columns=${blockColumns}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl(
        [weightPrecisionHeader, enableSubgroupsSource, paramsSource, fused.source, blockSource, operandsSource, source].join('\n'),
        defines,
      ),
      dispatch,
      uniforms: [...conv2dUniforms(shape, 0, split.columnLanes, blockRows), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}

/**
 * Returns the columns (pixels over the batch) per block of the 1×1 subgroup kernel: 8, or 7 where
 * blocks of 7 leave fewer lanes idle. Lanes share a channel block in whole subgroups, so 392
 * columns (a 7×7 map at batch 8) take 7 subgroups of 8 lanes either way: 49 blocks of 8 leave 7
 * lanes idle, 56 blocks of 7 none. Vec4 loads need blocks of 8. On lavapipe at batch 8 blocks of 7
 * ran the 7×7 layers of MobileNetV2 and ResNet-50 11-13% faster (bench/kernels.ts).
 */
export function pointwiseBlockColumns(columnCount: number, vec4Input: boolean, lanes: SubgroupLanes = DEFAULT_SUBGROUP_LANES): 7 | 8 {
  if (vec4Input) return 8;
  const computedColumns = (width: number): number => {
    const blocks = ceilDiv(columnCount, width);
    const { columnLanes } = laneLayout(blocks, lanes.subgroupSize, lanes.workgroupSize);
    return ceilDiv(blocks, columnLanes) * columnLanes * width;
  };
  return computedColumns(7) < computedColumns(8) ? 7 : 8;
}

/**
 * Returns the output channels per block of the 1×1 subgroup kernel: 32, or 16 or 24 where fewer
 * rows in all would be computed (the largest such block on a tie). MobileNetV2's 16-, 24- and
 * 144-channel layers then skip 50%, 25% and 10% of the multiply-adds of 32-row blocks.
 */
export function pointwiseBlockRows(outChannels: number): number {
  let best = 32;
  for (const rows of [24, 16]) {
    if (ceilDiv(outChannels, rows) * rows < ceilDiv(outChannels, best) * best) best = rows;
  }
  return best;
}

/**
 * Packs O×R weights (R = I·KH·KW, OIHW order) as [ceil(O/B)][R][B] for blocks of B = `blockRows`
 * channels, zero-filled past O: lane l of a subgroup reads channels 4l..4l+3 of one reduction
 * index as one vec4. `variant` names the kernel in the error for a wrong length.
 */
export function packSubgroupWeights(
  weights: Float32Array, outChannels: number, reduction: number, variant: string, blockRows = 32,
): Float32Array {
  if (weights.length !== outChannels * reduction) {
    throw new Error(
      `conv2d ${variant}: expected ${outChannels}x${reduction} = ${outChannels * reduction} weights, got ${weights.length}.`,
    );
  }
  const blocks = Math.ceil(outChannels / blockRows);
  const packed = new Float32Array(blocks * reduction * blockRows);
  for (let o = 0; o < outChannels; o++) {
    const block = Math.floor(o / blockRows);
    for (let k = 0; k < reduction; k++) {
      packed[(block * reduction + k) * blockRows + (o % blockRows)] = weights[o * reduction + k]!;
    }
  }
  return packed;
}
