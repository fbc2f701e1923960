/** Maximum absolute and relative error of `actual` against a float64 `expected`. */
export interface ErrorSummary {
  maxAbsError: number;
  maxRelError: number;
  worstIndex: number;
  passed: boolean;
  message: string;
}

/**
 * Compares element-wise with |actual - expected| <= tolerance * (1 + |expected|), so
 * small values are held to an absolute and large ones to a relative bound. Non-finite
 * outputs fail. The message names the case, the worst element and both error figures.
 */
export function compareToReference(label: string, actual: Float32Array, expected: Float64Array, tolerance: number): ErrorSummary {
  let maxAbsError = 0;
  let maxRelError = 0;
  let worstIndex = -1;
  let worstRatio = 0;
  let passed = actual.length === expected.length;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const absError = Math.abs(a - e);
    const ratio = Number.isFinite(a) ? absError / (1 + Math.abs(e)) : Infinity;
    maxAbsError = Math.max(maxAbsError, Number.isFinite(absError) ? absError : Infinity);
    // Relative error is reported only where it means something: away from zero.
    if (Math.abs(e) >= 1e-3) maxRelError = Math.max(maxRelError, absError / Math.abs(e));
    if (ratio > worstRatio || worstIndex < 0) {
      worstRatio = ratio;
      worstIndex = i;
    }
  }
  if (worstRatio > tolerance) passed = false;
  const message =
    `${label}: max abs error ${maxAbsError.toExponential(3)}, max rel error ${maxRelError.toExponential(3)}, ` +
    `worst at [${worstIndex}] got ${actual[worstIndex]} expected ${expected[worstIndex]}, ` +
    `tolerance ${tolerance.toExponential(2)} (length ${actual.length} vs ${expected.length})`;
  return { maxAbsError, maxRelError, worstIndex, passed, message };
}

/**
 * Tolerance, relative to 1 + |expected|, for a float32 sum of `reductionLength` products
 * of values in [-1, 1]. Each add rounds by at most half an ulp (6e-8) of the running sum,
 * so the error grows about linearly with the length. The factor 4 leaves room for fused
 * multiply-add ordering and the activation's rounding. This is a bound for random
 * inputs of that range, not a worst case for arbitrary data.
 */
export function reductionTolerance(reductionLength: number): number {
  return 4 * 6e-8 * (reductionLength + 4);
}

/**
 * Factor on reductionTolerance for Winograd F(4×4, 3×3). Its transforms scale values by up to 10
 * (a row of Bᵀ) and 19 (a row of Aᵀ) before the sums cancel, so an output can carry several times
 * the rounding error of the direct sum. In the random tests of conv2d.test.ts and
 * weights-f16.test.ts the worst case measured 1.03× the direct tolerance.
 */
export const WINOGRAD_4X4_ERROR_FACTOR = 4;
