import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, PLAIN_EPILOGUE, type Epilogue } from '../epilogue';
import type { GemmShape } from '../gemm/gemm-shape';
import { GEMM_SUBGROUP_VARIANT } from '../gemm/gemm-subgroup';
import { gemmVariants, selectGemm } from '../gemm/select-gemm';
import type { KernelTarget } from '../kernel-target';
import { checkWorkgroupCounts, MAX_WORKGROUPS_PER_DIMENSION } from '../gemm/workgroup-limits';
import { encodeWeights, type WeightPrecision } from '../weight-precision';
import { epilogueOperands, markPasses, type Conv2dKernel, type Conv2dOperand } from './conv2d-kernel';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';
import input2x2Source from './winograd-2x2-input-transform.wgsl';
import output2x2Source from './winograd-2x2-output-transform.wgsl';
import input4x4Source from './winograd-4x4-input-transform.wgsl';
import output4x4Source from './winograd-4x4-output-transform.wgsl';
import inputPatchSource from './winograd-input-patch.wgsl';
import outputTileSource from './winograd-output-tile.wgsl';

export const WINOGRAD_VARIANT = 'winograd-2x2-3x3';
export const WINOGRAD_4X4_VARIANT = 'winograd-4x4-3x3';

/** Side of the square output tile: F(2×2, 3×3) or F(4×4, 3×3). */
export type WinogradTile = 2 | 4;

const VARIANTS: Record<WinogradTile, string> = { 2: WINOGRAD_VARIANT, 4: WINOGRAD_4X4_VARIANT };

/**
 * Checks that Winograd F(tile×tile, 3×3) can run `shape`: one group, a 3×3 kernel, stride 1 and
 * dilation 1, with input channels and 8-row blocks of tiles within the workgroup limit.
 */
export function fitsWinograd3x3(shape: Conv2dShape, tile: WinogradTile = 2): boolean {
  const geometry = shape.groups === 1 && shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.strideHeight === 1 && shape.strideWidth === 1 && shape.dilationHeight === 1 && shape.dilationWidth === 1;
  return geometry && shape.inChannels <= MAX_WORKGROUPS_PER_DIMENSION &&
    ceilDiv(winogradTileCount(shape, tile), 8) <= MAX_WORKGROUPS_PER_DIMENSION && ceilDiv(shape.outChannels, 8) <= MAX_WORKGROUPS_PER_DIMENSION;
}

/** Number of tile×tile output tiles over the whole batch. */
export function winogradTileCount(shape: Conv2dShape, tile: WinogradTile = 2): number {
  const [batch, , outHeight, outWidth] = conv2dOutputShape(shape);
  return batch * ceilDiv(outHeight, tile) * ceilDiv(outWidth, tile);
}

/**
 * Bytes of the larger scratch buffer, V ((tile + 2)² × in_channels × tiles) or M
 * ((tile + 2)² × tiles × out_channels).
 */
export function winogradScratchBytes(shape: Conv2dShape, tile: WinogradTile = 2): number {
  return 4 * (tile + 2) ** 2 * winogradTileCount(shape, tile) * Math.max(shape.inChannels, shape.outChannels);
}

/** Creates Winograd F(2×2, 3×3), as described at conv2dWinograd3x3. */
export function conv2dWinograd2x2_3x3(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision = 'f32',
  target: KernelTarget = {},
): Conv2dKernel {
  return conv2dWinograd3x3(shape, epilogue, weightPrecision, target, 2);
}

/** Creates Winograd F(4×4, 3×3), as described at conv2dWinograd3x3. */
export function conv2dWinograd4x4_3x3(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision = 'f32',
  target: KernelTarget = {},
): Conv2dKernel {
  return conv2dWinograd3x3(shape, epilogue, weightPrecision, target, 4);
}

/**
 * Creates the Winograd F(tile×tile, 3×3) convolution as three dispatches: the input transform
 * V = Bᵀ d B of every (tile + 2)² input patch, (tile + 2)² GEMMs of the transformed weights
 * U = G g Gᵀ with V over the input channels, and the output transform Aᵀ m A with the fused
 * epilogue. Per input channel, a 2×2 tile takes 16 multiplies instead of 36 and a 4×4 tile 36
 * instead of 144. The 4×4 tile's transforms use constants up to 8 (and 1/24 in G), so its
 * rounding error is larger.
 * Scratch: V [(tile + 2)²][in_channels][tiles], then M [(tile + 2)²][tiles][out_channels].
 * NOTE: an infinite input can give NaN where the direct sum gives ±infinity, because the
 * transforms subtract inputs (inf - inf). Outputs are non-finite exactly where the direct sum's are.
 */
export function conv2dWinograd3x3(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision,
  target: KernelTarget,
  tile: WinogradTile,
): Conv2dKernel {
  const variant = VARIANTS[tile];
  if (!fitsWinograd3x3(shape, tile)) {
    throw new Error(
      `conv2d ${variant}: invalid shape (groups ${shape.groups}, kernel ${shape.kernelHeight}x${shape.kernelWidth}, ` +
        `stride ${shape.strideHeight}x${shape.strideWidth}, dilation ${shape.dilationHeight}x${shape.dilationWidth}, ` +
        `${shape.inChannels} input channels, ${winogradTileCount(shape, tile)} tiles). It requires one group, a 3x3 kernel, stride 1, ` +
        'dilation 1 and at most 65,535 input channels and 524,280 tiles. Use implicit-gemm-3x3-8x8 or implicit-gemm-8x8 instead.',
    );
  }
  const tiles = winogradTileCount(shape, tile);
  const points = (tile + 2) ** 2;
  const { inChannels, outChannels } = shape;
  const scratchLengths = [points * inChannels * tiles, points * tiles * outChannels];
  const transformed: Conv2dOperand = { scratch: 0 };
  const products: Conv2dOperand = { scratch: 1 };

  const inputTransform: KernelProgram = {
    name: 'conv2d-winograd-input-transform',
    shaderKey: `conv2d-${variant}-input-transform`,
    code: specializeWgsl([paramsSource, inputPatchSource, tile === 2 ? input2x2Source : input4x4Source].join('\n'), {}),
    // Tiles on x, input channels on y.
    dispatch: checkWorkgroupCounts(`conv2d ${variant} input transform`, [ceilDiv(tiles, 64), inChannels, 1]),
    uniforms: [...conv2dUniforms(shape, tiles), ...epilogueUniforms(PLAIN_EPILOGUE)],
    inputCount: 1,
    // Bᵀ d B takes 32 additions per 4×4 patch (16 values in and out) and about 230 operations
    // per 6×6 patch (36 in and out).
    cost: { flops: (tile === 2 ? 32 : 230) * inChannels * tiles, bytes: 4 * (points * inChannels * tiles + scratchLengths[0]!) },
  };

  // M[ξ] (tiles × O) = V[ξ]ᵀ · U[ξ]: the weights are the GEMM's B, which it can read as f16. The
  // other orientation, U[ξ] · V[ξ] (O × tiles), ran at the same speed or slower on ResNet's
  // 3×3 layers (bench/kernels.ts, lavapipe). So did a dedicated GEMM whose lanes read adjacent
  // columns (8 columns per lane, 64 apart): 10-60% slower than gemm-register on the same layers.
  const gemmShape: GemmShape = {
    batch: points, M: tiles, N: outChannels, K: inChannels, transposeA: true, transposeB: false, alpha: 1, broadcastB: false,
  };
  // register-8x8 runs every tile count; subgroup-32x8 where the GEMM selector puts it first.
  const gemmVariant = gemmVariants(gemmShape, target)[0] === GEMM_SUBGROUP_VARIANT ? GEMM_SUBGROUP_VARIANT : 'register-8x8';
  const gemm = selectGemm(gemmShape, PLAIN_EPILOGUE, { ...target, variant: gemmVariant, bPrecision: weightPrecision });
  const gemmProgram: KernelProgram = { ...gemm.program, name: 'conv2d-winograd-gemm' };

  // F(4×4) stores each tile row as a vec4 (and reads its residual so) where rows are a multiple of 4 values.
  const vec4Output = tile === 4 && conv2dOutputShape(shape)[3] % 4 === 0;
  const fused = epilogueWgsl(epilogue, 1, { residualVec4: vec4Output });
  const work = outChannels * tiles;
  const outputTransform: KernelProgram = {
    name: 'conv2d-winograd-output-transform',
    shaderKey: `conv2d-${variant}-output-transform|vec4Output=${vec4Output}|${epilogueKey(epilogue)}`,
    code: specializeWgsl(
      [paramsSource, fused.source, outputTileSource, tile === 2 ? output2x2Source : output4x4Source].join('\n'),
      { ...fused.defines, VEC4_OUTPUT: vec4Output },
    ),
    dispatch: dispatch1d(ceilDiv(work, 64)),
    uniforms: [...conv2dUniforms(shape, work), ...epilogueUniforms(epilogue)],
    inputCount: 1 + epilogueInputCount(epilogue),
    // Aᵀ m A takes 24 additions per (channel, 2×2 tile), which reads 16 products and writes up to
    // 4 outputs, and about 130 operations per 4×4 tile, which reads 36 and writes up to 16.
    cost: { flops: (tile === 2 ? 24 : 130) * work, bytes: 4 * (scratchLengths[1]! + tile * tile * work) },
  };

  const passes = markPasses(variant, [
    { program: inputTransform, inputs: ['input'], output: transformed },
    { program: gemmProgram, inputs: [transformed, 'weights'], output: products },
    { program: outputTransform, inputs: [products, ...epilogueOperands(epilogue)], output: 'output' },
  ]);
  return {
    variant,
    weightPrecision,
    packWeights: (weights) => encodeWeights(packWinogradWeights(weights, outChannels, inChannels, tile), weightPrecision),
    program: passes[2]!.program,
    passes,
    scratchLengths,
  };
}

// The weight transforms G ((tile + 2)×3), applied as G g Gᵀ to each 3×3 kernel g. They match
// the Bᵀ and Aᵀ of the input and output transforms (winograd-*-transform.wgsl).
const WEIGHT_TRANSFORMS: Record<WinogradTile, number[][]> = {
  2: [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ],
  4: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
};

/**
 * Transforms OIHW 3×3 weights to U[ξ] = (G g Gᵀ)[ξ], in float64 and then float32, stored as
 * [(tile + 2)²][I][O], the GEMM's B ([K][N]).
 */
export function packWinogradWeights(weights: Float32Array, outChannels: number, inChannels: number, tile: WinogradTile = 2): Float32Array {
  if (weights.length !== outChannels * inChannels * 9) {
    throw new Error(
      `conv2d ${VARIANTS[tile]}: expected ${outChannels}x${inChannels}x3x3 = ${outChannels * inChannels * 9} OIHW weights, got ${weights.length}.`,
    );
  }
  const G = WEIGHT_TRANSFORMS[tile];
  const side = tile + 2;
  const packed = new Float32Array(side * side * inChannels * outChannels);
  const gg = new Float64Array(side * 3);
  for (let o = 0; o < outChannels; o++) {
    for (let c = 0; c < inChannels; c++) {
      const g = (o * inChannels + c) * 9;
      // G·g (side×3), then (G·g)·Gᵀ (side×side).
      for (let i = 0; i < side; i++) {
        for (let j = 0; j < 3; j++) {
          gg[i * 3 + j] = G[i]![0]! * weights[g + j]! + G[i]![1]! * weights[g + 3 + j]! + G[i]![2]! * weights[g + 6 + j]!;
        }
      }
      for (let i = 0; i < side; i++) {
        for (let j = 0; j < side; j++) {
          const u = gg[i * 3]! * G[j]![0]! + gg[i * 3 + 1]! * G[j]![1]! + gg[i * 3 + 2]! * G[j]![2]!;
          packed[((i * side + j) * inChannels + c) * outChannels + o] = u;
        }
      }
    }
  }
  return packed;
}
