import type { Epilogue, GemmShape } from '../../src/index';
import { epilogueReference } from './epilogue';

/** Float64 Y = alpha * op(A) op(B) + bias, then the epilogue, with ONNX Gemm/MatMul semantics. */
export function gemmReference(
  shape: GemmShape,
  epilogue: Epilogue,
  a: Float32Array,
  b: Float32Array,
  bias: Float32Array | null,
  residual: Float32Array | null,
): Float64Array {
  const { batch, M, N, K } = shape;
  const y = new Float64Array(batch * M * N);
  for (let e = 0; e < batch; e++) {
    const aBase = e * M * K;
    const bBase = shape.broadcastB ? 0 : e * K * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const av = a[aBase + (shape.transposeA ? k * M + m : m * K + k)]!;
          const bv = b[bBase + (shape.transposeB ? n * K + k : k * N + n)]!;
          sum += av * bv;
        }
        const index = (e * M + m) * N + n;
        y[index] = epilogueReference(epilogue, shape.alpha * sum, bias?.[n] ?? 0, residual?.[index] ?? 0);
      }
    }
  }
  return y;
}
