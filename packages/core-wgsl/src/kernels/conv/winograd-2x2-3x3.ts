import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, PLAIN_EPILOGUE, type Epilogue } from '../epilogue';
import type { GemmShape } from '../gemm/gemm-shape';
import { GEMM_SUBGROUP_VARIANT } from '../gemm/gemm-subgroup';
import { gemmVariants, selectGemm } from '../gemm/select-gemm';
import type { KernelTarget } from '../kernel-target';
import { checkWorkgroupCounts, MAX_WORKGROUPS_PER_DIMENSION } from '../gemm/workgroup-limits';
import { encodeWeights, type WeightPrecision } from '../weight-precision';
import { epilogueOperands, type Conv2dKernel, type Conv2dOperand } from './conv2d-kernel';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';
import inputSource from './winograd-input-transform.wgsl';
import outputSource from './winograd-output-transform.wgsl';

export const WINOGRAD_VARIANT = 'winograd-2x2-3x3';

/**
 * Checks that Winograd F(2×2, 3×3) can run `shape`: one group, a 3×3 kernel, stride 1 and
 * dilation 1, with input channels and 8-row blocks of tiles within the workgroup limit.
 */
export function fitsWinograd2x2_3x3(shape: Conv2dShape): boolean {
  const geometry = shape.groups === 1 && shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.strideHeight === 1 && shape.strideWidth === 1 && shape.dilationHeight === 1 && shape.dilationWidth === 1;
  return geometry && shape.inChannels <= MAX_WORKGROUPS_PER_DIMENSION &&
    ceilDiv(winogradTileCount(shape), 8) <= MAX_WORKGROUPS_PER_DIMENSION && ceilDiv(shape.outChannels, 8) <= MAX_WORKGROUPS_PER_DIMENSION;
}

/** Number of 2×2 output tiles over the whole batch. */
export function winogradTileCount(shape: Conv2dShape): number {
  const [batch, , outHeight, outWidth] = conv2dOutputShape(shape);
  return batch * ceilDiv(outHeight, 2) * ceilDiv(outWidth, 2);
}

/** Bytes of the larger scratch buffer, V (16 × in_channels × tiles) or M (16 × tiles × out_channels). */
export function winogradScratchBytes(shape: Conv2dShape): number {
  return 4 * 16 * winogradTileCount(shape) * Math.max(shape.inChannels, shape.outChannels);
}

/**
 * Creates the Winograd F(2×2, 3×3) convolution as three dispatches: the input transform
 * V = Bᵀ d B of every 4×4 input patch, 16 GEMMs of the transformed weights U = G g Gᵀ with V
 * over the input channels (gemm-register), and the output transform Aᵀ m A with the fused
 * epilogue. Each 2×2 output tile takes 16 multiplies per input channel instead of 36.
 * Scratch: V [16][in_channels][tiles], then M [16][tiles][out_channels].
 * NOTE: an infinite input can give NaN where the direct sum gives ±infinity, because the
 * transforms subtract inputs (inf - inf). Outputs are non-finite exactly where the direct sum's are.
 */
export function conv2dWinograd2x2_3x3(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision = 'f32',
  target: KernelTarget = {},
): Conv2dKernel {
  if (!fitsWinograd2x2_3x3(shape)) {
    throw new Error(
      `conv2d ${WINOGRAD_VARIANT}: invalid shape (groups ${shape.groups}, kernel ${shape.kernelHeight}x${shape.kernelWidth}, ` +
        `stride ${shape.strideHeight}x${shape.strideWidth}, dilation ${shape.dilationHeight}x${shape.dilationWidth}, ` +
        `${shape.inChannels} input channels, ${winogradTileCount(shape)} tiles). It requires one group, a 3x3 kernel, stride 1, ` +
        'dilation 1 and at most 65,535 input channels and 524,280 tiles. Use implicit-gemm-3x3-8x8 or implicit-gemm-8x8 instead.',
    );
  }
  const tiles = winogradTileCount(shape);
  const { inChannels, outChannels } = shape;
  const scratchLengths = [16 * inChannels * tiles, 16 * tiles * outChannels];
  const transformed: Conv2dOperand = { scratch: 0 };
  const products: Conv2dOperand = { scratch: 1 };

  const inputTransform: KernelProgram = {
    name: 'conv2d-winograd-input-transform',
    shaderKey: 'conv2d-winograd-2x2-3x3-input-transform',
    code: specializeWgsl([paramsSource, inputSource].join('\n'), {}),
    // Tiles on x, input channels on y.
    dispatch: checkWorkgroupCounts(`conv2d ${WINOGRAD_VARIANT} input transform`, [ceilDiv(tiles, 64), inChannels, 1]),
    uniforms: [...conv2dUniforms(shape, tiles), ...epilogueUniforms(PLAIN_EPILOGUE)],
    inputCount: 1,
    // Bᵀ d B takes 32 additions per patch, which reads 16 inputs (overlapping) and writes 16 values.
    cost: { flops: 32 * inChannels * tiles, bytes: 4 * (16 * inChannels * tiles + scratchLengths[0]!) },
  };

  // M[ξ] (tiles × O) = V[ξ]ᵀ · U[ξ]: the weights are the GEMM's B, which it can read as f16. The
  // other orientation, U[ξ] · V[ξ] (O × tiles), ran at the same speed or slower on ResNet's
  // 3×3 layers (bench/kernels.ts, lavapipe). So did a dedicated GEMM whose lanes read adjacent
  // columns (8 columns per lane, 64 apart): 10-60% slower than gemm-register on the same layers.
  const gemmShape: GemmShape = { batch: 16, M: tiles, N: outChannels, K: inChannels, transposeA: true, transposeB: false, alpha: 1, broadcastB: false };
  // register-8x8 runs every tile count; subgroup-32x8 where the GEMM selector puts it first.
  const variant = gemmVariants(gemmShape, target)[0] === GEMM_SUBGROUP_VARIANT ? GEMM_SUBGROUP_VARIANT : 'register-8x8';
  const gemm = selectGemm(gemmShape, PLAIN_EPILOGUE, { ...target, variant, bPrecision: weightPrecision });
  const gemmProgram: KernelProgram = { ...gemm.program, name: 'conv2d-winograd-gemm' };

  const fused = epilogueWgsl(epilogue, 1);
  const work = outChannels * tiles;
  const outputTransform: KernelProgram = {
    name: 'conv2d-winograd-output-transform',
    shaderKey: `conv2d-winograd-2x2-3x3-output-transform|${epilogueKey(epilogue)}`,
    code: specializeWgsl([paramsSource, fused.source, outputSource].join('\n'), fused.defines),
    dispatch: dispatch1d(ceilDiv(work, 64)),
    uniforms: [...conv2dUniforms(shape, work), ...epilogueUniforms(epilogue)],
    inputCount: 1 + epilogueInputCount(epilogue),
    // Aᵀ m A takes 24 additions per (channel, tile), which reads 16 products and writes up to 4 outputs.
    cost: { flops: 24 * work, bytes: 4 * (scratchLengths[1]! + 4 * work) },
  };

  return {
    variant: WINOGRAD_VARIANT,
    weightPrecision,
    packWeights: (weights) => encodeWeights(packWinogradWeights(weights, outChannels, inChannels), weightPrecision),
    program: outputTransform,
    passes: [
      { program: inputTransform, inputs: ['input'], output: transformed },
      { program: gemmProgram, inputs: [transformed, 'weights'], output: products },
      { program: outputTransform, inputs: [products, ...epilogueOperands(epilogue)], output: 'output' },
    ],
    scratchLengths,
  };
}

// F(2, 3)'s weight transform G (4×3), applied as G g Gᵀ to each 3×3 kernel g.
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/**
 * Transforms OIHW 3×3 weights to U[ξ] = (G g Gᵀ)[ξ], in float64 and then float32, stored as
 * [16][I][O], the GEMM's B ([K][N]).
 */
export function packWinogradWeights(weights: Float32Array, outChannels: number, inChannels: number): Float32Array {
  if (weights.length !== outChannels * inChannels * 9) {
    throw new Error(
      `conv2d ${WINOGRAD_VARIANT}: expected ${outChannels}x${inChannels}x3x3 = ${outChannels * inChannels * 9} OIHW weights, got ${weights.length}.`,
    );
  }
  const packed = new Float32Array(16 * inChannels * outChannels);
  const gg = new Float64Array(12);
  for (let o = 0; o < outChannels; o++) {
    for (let c = 0; c < inChannels; c++) {
      const g = (o * inChannels + c) * 9;
      // G·g (4×3), then (G·g)·Gᵀ (4×4).
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 3; j++) {
          gg[i * 3 + j] = G[i]![0]! * weights[g + j]! + G[i]![1]! * weights[g + 3 + j]! + G[i]![2]! * weights[g + 6 + j]!;
        }
      }
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          const u = gg[i * 3]! * G[j]![0]! + gg[i * 3 + 1]! * G[j]![1]! + gg[i * 3 + 2]! * G[j]![2]!;
          packed[((i * 4 + j) * inChannels + c) * outChannels + o] = u;
        }
      }
    }
  }
  return packed;
}
