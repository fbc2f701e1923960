import { runProgram } from '../../runtime/run-program';
import { checkBuiltFor, checkEpilogueOperands, checkOperandLength } from '../../runtime/operand-lengths';
import type { Epilogue } from '../epilogue';
import type { GemmKernel, GemmShape } from './gemm-shape';

/** The operands of one GEMM, in row-major float32 (B as `packB` returned it). */
export interface GemmOperands {
  /** [batch, M, K], or [batch, K, M] with transposeA. */
  a: Float32Array;
  /** `kernel.packB(b)`, with b [batch, K, N] ([batch, N, K] with transposeB), without batch when broadcastB. */
  b: Float32Array | Uint16Array;
  /** [N], added to every row, when the epilogue has a bias. */
  bias?: Float32Array | null;
  /** [batch, M, N], when the epilogue adds a residual. */
  residual?: Float32Array | null;
}

/**
 * Runs `kernel` on `operands` and returns Y [batch, M, N]. Checks each operand's length against
 * `shape` first. Allocates and frees its own buffers: for tests and one-off calls.
 */
export async function runGemm(
  device: GPUDevice,
  shape: GemmShape,
  kernel: GemmKernel,
  epilogue: Epilogue,
  operands: GemmOperands,
): Promise<Float32Array> {
  const name = `gemm ${kernel.variant}`;
  checkBuiltFor(name, kernel.builtFor, shape, epilogue, 'selectGemm');
  const { batch, M, N, K } = shape;
  const bBatch = shape.broadcastB ? 1 : batch;
  checkOperandLength(name, 'a', operands.a, batch * M * K, shape.transposeA ? `[batch, K, M] = ${batch}x${K}x${M}` : `[batch, M, K] = ${batch}x${M}x${K}`);
  const bLayout = shape.transposeB ? `${bBatch}x${N}x${K}` : `${bBatch}x${K}x${N}`;
  // Packing zeros gives the packed length of this variant without asking each variant for a formula.
  checkOperandLength(name, 'b', operands.b, kernel.packB(new Float32Array(bBatch * K * N)).length, `pass kernel.packB(b), with b ${bLayout}`);
  checkEpilogueOperands(name, epilogue, operands, { length: N, layout: 'one per column' }, { length: batch * M * N, layout: `[batch, M, N] = ${batch}x${M}x${N}` });

  const inputs = [operands.a, operands.b, ...(epilogue.bias ? [operands.bias!] : []), ...(epilogue.residual !== 'none' ? [operands.residual!] : [])];
  return runProgram(device, kernel.program, inputs, batch * M * N);
}
