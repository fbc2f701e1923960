// Oracle: naive float64 loops for Z = X Wᵀ and Rᵀ X. Sums have at most a few hundred terms
// of size ≤ 1, so reordering them moves each result by less than 1e-12 of Σ|terms|.
import { afterEach, describe, expect, it } from 'vitest';
import { createDenseMatrix } from '../src/data';
import { createLinearModelPasses } from '../src/linearModelPasses';
import { Random } from '../src/random';
import { setSimdGemmEnabled } from '../src/simdGemm';

describe.each([true, false])('linear model passes, SIMD %s', (simd) => {
  afterEach(() => setSimdGemmEnabled(true));

  // 103 and 250 rows are not multiples of the 4-row groups; 250 rows of 1,301 columns span several blocks.
  it.each([
    [103, 37, 1],
    [103, 37, 3],
    [250, 1301, 10],
  ])('%i × %i samples, %i weight vectors', (n, d, K) => {
    setSimdGemmEnabled(simd);
    const random = new Random(n + d + K);
    const X = createDenseMatrix(n, d);
    for (let k = 0; k < X.data.length; k++) X.data[k] = 2 * random.nextFloat() - 1;
    const W = Float64Array.from({ length: K * d }, () => 2 * random.nextFloat() - 1);
    const gradW = Float64Array.from({ length: K * d + K }, () => random.nextFloat());
    const initial = gradW.slice();

    // Residuals r_ik = z_ik · (i + 1) / n, so the gradient depends on every score and its row.
    const seen = new Float64Array(n * K).fill(NaN);
    const passes = createLinearModelPasses(X, K);
    passes.run(W, gradW, (block, rowStart, rows) => {
      for (let t = 0; t < rows * K; t++) {
        const i = rowStart + Math.floor(t / K);
        seen[i * K + (t % K)] = block[t]!;
        block[t] = (block[t]! * (i + 1)) / n;
      }
    });

    let worstZ = 0;
    let worstG = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let z = 0;
        let scale = 0;
        for (let j = 0; j < d; j++) {
          z += X.data[i * d + j]! * W[k * d + j]!;
          scale += Math.abs(X.data[i * d + j]! * W[k * d + j]!);
        }
        worstZ = Math.max(worstZ, Math.abs(seen[i * K + k]! - z) / scale);
      }
    }
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < d; j++) {
        let g = initial[k * d + j]!;
        let scale = Math.abs(g);
        for (let i = 0; i < n; i++) {
          const r = (seen[i * K + k]! * (i + 1)) / n;
          g += r * X.data[i * d + j]!;
          scale += Math.abs(r * X.data[i * d + j]!);
        }
        worstG = Math.max(worstG, Math.abs(gradW[k * d + j]! - g) / scale);
      }
    }
    expect(worstZ, `worst relative error of Z = X Wᵀ: ${worstZ}`).toBeLessThanOrEqual(1e-12);
    expect(worstG, `worst relative error of Rᵀ X: ${worstG}`).toBeLessThanOrEqual(1e-12);
    expect(Array.from(gradW.subarray(K * d)), 'entries after the K × d weights stay untouched').toEqual(Array.from(initial.subarray(K * d)));

    // A second run must start from a cleared gradient accumulator.
    const again = initial.slice();
    passes.run(W, again, (block, rowStart, rows) => {
      for (let t = 0; t < rows * K; t++) block[t] = (block[t]! * (rowStart + Math.floor(t / K) + 1)) / n;
    });
    expect(Array.from(again)).toEqual(Array.from(gradW));
  });
});
