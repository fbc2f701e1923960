/**
 * Small dense GEMM kernels for float64 row-major data, register-blocked because
 * scalar JavaScript spends as much time loading typed-array elements as
 * multiplying: each block reuses every loaded value several times. They serve
 * small products and engines without WebAssembly SIMD (see simdGemm.ts).
 */

/**
 * out[i·m + k] = A_i · B_k for rows A_i of A (n × d, from row aStart) and rows B_k of B (m × d):
 * C = A Bᵀ. Blocks of 2 rows of A × 4 rows of B keep 8 accumulators in registers.
 */
export function gemmABt(A: Float64Array, n: number, B: Float64Array, m: number, d: number, out: Float64Array, aStart = 0): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = (aStart + i) * d;
    const a1 = a0 + d;
    let k = 0;
    for (; k + 3 < m; k += 4) {
      const b0 = k * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0; // prettier-ignore
      for (let j = 0; j < d; j++) {
        const x0 = A[a0 + j]!;
        const x1 = A[a1 + j]!;
        const w0 = B[b0 + j]!;
        const w1 = B[b1 + j]!;
        const w2 = B[b2 + j]!;
        const w3 = B[b3 + j]!;
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
      }
      const o0 = i * m + k;
      const o1 = o0 + m;
      out[o0] = s00;
      out[o0 + 1] = s01;
      out[o0 + 2] = s02;
      out[o0 + 3] = s03;
      out[o1] = s10;
      out[o1 + 1] = s11;
      out[o1 + 2] = s12;
      out[o1 + 3] = s13;
    }
    for (; k < m; k++) {
      const b0 = k * d;
      let s0 = 0;
      let s1 = 0;
      for (let j = 0; j < d; j++) {
        const w = B[b0 + j]!;
        s0 += A[a0 + j]! * w;
        s1 += A[a1 + j]! * w;
      }
      out[i * m + k] = s0;
      out[(i + 1) * m + k] = s1;
    }
  }
  if (i < n) gemvBlocked(A, (aStart + i) * d, B, m, d, out, i * m);
}

/** out[outOffset + k] = a · B_k for one vector a = A[aOffset .. aOffset + d): blocks of 4 rows of B. */
export function gemvBlocked(A: ArrayLike<number>, aOffset: number, B: Float64Array, m: number, d: number, out: { [index: number]: number }, outOffset: number): void {
  let k = 0;
  for (; k + 3 < m; k += 4) {
    const b0 = k * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const x = A[aOffset + j]!;
      s0 += x * B[b0 + j]!;
      s1 += x * B[b1 + j]!;
      s2 += x * B[b2 + j]!;
      s3 += x * B[b3 + j]!;
    }
    out[outOffset + k] = s0;
    out[outOffset + k + 1] = s1;
    out[outOffset + k + 2] = s2;
    out[outOffset + k + 3] = s3;
  }
  for (; k < m; k++) {
    const b0 = k * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += A[aOffset + j]! * B[b0 + j]!;
    out[outOffset + k] = s;
  }
}

/**
 * out[k·d + j] += Σ_i R[i·m + k] · A[i·d + j]: G += Rᵀ A for R (n × m) and A (n × d), the
 * gradient step of a linear model. Blocks of 4 rows of G × 2 rows of A; R entries equal to 0 are not skipped.
 */
export function gemmAtBAccumulate(R: Float64Array, A: Float64Array, n: number, m: number, d: number, out: Float64Array): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = i * d;
    const a1 = a0 + d;
    let k = 0;
    for (; k + 3 < m; k += 4) {
      const r00 = R[i * m + k]!, r01 = R[i * m + k + 1]!, r02 = R[i * m + k + 2]!, r03 = R[i * m + k + 3]!; // prettier-ignore
      const r10 = R[(i + 1) * m + k]!, r11 = R[(i + 1) * m + k + 1]!, r12 = R[(i + 1) * m + k + 2]!, r13 = R[(i + 1) * m + k + 3]!; // prettier-ignore
      const g0 = k * d;
      const g1 = g0 + d;
      const g2 = g1 + d;
      const g3 = g2 + d;
      for (let j = 0; j < d; j++) {
        const x0 = A[a0 + j]!;
        const x1 = A[a1 + j]!;
        out[g0 + j]! += r00 * x0 + r10 * x1;
        out[g1 + j]! += r01 * x0 + r11 * x1;
        out[g2 + j]! += r02 * x0 + r12 * x1;
        out[g3 + j]! += r03 * x0 + r13 * x1;
      }
    }
    for (; k < m; k++) {
      const r0 = R[i * m + k]!;
      const r1 = R[(i + 1) * m + k]!;
      const g = k * d;
      for (let j = 0; j < d; j++) out[g + j]! += r0 * A[a0 + j]! + r1 * A[a1 + j]!;
    }
  }
  for (; i < n; i++) {
    const a = i * d;
    for (let k = 0; k < m; k++) {
      const r = R[i * m + k]!;
      const g = k * d;
      for (let j = 0; j < d; j++) out[g + j]! += r * A[a + j]!;
    }
  }
}
