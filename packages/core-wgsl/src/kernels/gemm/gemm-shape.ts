import type { KernelProgram, UniformField } from '../../runtime/program';
import type { WeightPrecision } from '../weight-precision';
import type { Epilogue } from '../epilogue';

/**
 * A batched matrix product with ONNX Gemm/MatMul semantics:
 * Y[b] = alpha * op(A[b]) op(B[b]), with op(A) of shape M×K and op(B) of shape K×N, then the
 * epilogue (bias per column, residual, activation).
 * A is stored as [batch, M, K] ([batch, K, M] when transposed); B as [batch, K, N]
 * ([batch, N, K] when transposed), or without the batch dimension when `broadcastB`.
 */
export interface GemmShape {
  batch: number;
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  alpha: number;
  /** B has no batch dimension and is shared by every batch entry, as in a fully connected layer. */
  broadcastB: boolean;
}

/**
 * One GEMM variant for one shape. Bindings: A, B (as `packB` returns it), [bias (N)],
 * [residual (batch, M, N)] → Y (batch, M, N).
 */
export interface GemmKernel {
  variant: string;
  /** Storage type the program reads B in: 'f16' only for a constant B (weights), never for an activation. */
  bPrecision: WeightPrecision;
  /**
   * Reorders a constant B into the layout the variant reads, as float32 or, for 'f16', as float16
   * bit patterns. Every variant here reads B as stored, so this copies (or converts).
   */
  packB(b: Float32Array): Float32Array | Uint16Array;
  program: KernelProgram;
  /** The shape and epilogue the kernel was made for, which `runGemm` checks. `selectGemm` sets them. */
  builtFor?: { shape: GemmShape; epilogue: Epilogue };
}

/** Throws a message naming the invalid field of `shape` and the fix. */
export function validateGemmShape(shape: GemmShape): void {
  for (const field of ['batch', 'M', 'N', 'K'] as const) {
    if (!Number.isInteger(shape[field]) || shape[field] < 1) {
      throw new Error(`gemm: ${field} must be a positive integer, got ${shape[field]}.`);
    }
  }
  if (!Number.isFinite(shape.alpha)) throw new Error(`gemm: alpha must be finite, got ${shape.alpha}.`);
}

/**
 * Uniforms in the order of `GemmParams` in gemm-params.wgsl. `workCount` is the number
 * of work items the variant launches, checked in the shader because dispatches round up.
 * `columnLanes` is the number of lanes along the columns in register-blocked variants (see lane-layout.ts),
 * and `blockRows` the rows of their register block.
 */
export function gemmUniforms(shape: GemmShape, workCount: number, columnLanes = 0, blockRows = 8): UniformField[] {
  return [
    ['u32', shape.batch],
    ['u32', shape.M],
    ['u32', shape.N],
    ['u32', shape.K],
    ['f32', shape.alpha],
    ['u32', shape.broadcastB ? 0 : shape.K * shape.N],
    ['u32', workCount],
    ['u32', columnLanes],
    // Rows of the register block, as a uniform so that the store loop stays a loop.
    ['u32', blockRows],
  ];
}

/** FLOPs and the bytes of A, B (2 per value as f16) and Y, each touched once. */
export function gemmCost(shape: GemmShape, bPrecision: WeightPrecision = 'f32'): { flops: number; bytes: number } {
  const bLength = (shape.broadcastB ? 1 : shape.batch) * shape.K * shape.N;
  const bBytes = bPrecision === 'f16' ? 2 : 4;
  return {
    flops: 2 * shape.batch * shape.M * shape.N * shape.K,
    bytes: 4 * (shape.batch * shape.M * shape.K + shape.batch * shape.M * shape.N) + bBytes * bLength,
  };
}

/** Returns the shader-key fragment for the operand layouts, which change every GEMM variant's code. */
export function gemmLayoutKey(shape: GemmShape): string {
  return `tA=${shape.transposeA}|tB=${shape.transposeB}`;
}

/**
 * Defines of the operand layouts read by gemm-operands.wgsl, and the shader-key fragment for
 * them. vec4 loads need rows of the contiguous dimension to start on 16-byte boundaries, and a
 * stored M×K A is read one column at a time.
 */
export function gemmOperandLayout(shape: GemmShape): { defines: Record<string, boolean>; key: string } {
  const vec4A = shape.transposeA && shape.M % 4 === 0;
  const vec4B = !shape.transposeB && shape.N % 4 === 0;
  const vec4Y = shape.N % 4 === 0;
  return {
    defines: { TRANSPOSE_A: shape.transposeA, TRANSPOSE_B: shape.transposeB, VEC4_A: vec4A, VEC4_B: vec4B, VEC4_Y: vec4Y },
    key: `${gemmLayoutKey(shape)}|vec4A=${vec4A}|vec4B=${vec4B}|vec4Y=${vec4Y}`,
  };
}
