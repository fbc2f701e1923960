// Oracle: a naive float64 triple loop. Each dot product sums at most a few hundred terms of
// size ≤ 1, so reordering the sum (two SIMD lanes, blocked loops) changes it by at most
// d · 2⁻⁵² · Σ|a_j b_j| < 1e-12; the tolerance is 1e-12 relative to that sum.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DenseMatrix, createDenseMatrix } from '../src/data';
import { createLinearModelPasses } from '../src/linearModelPasses';
import { forEachProductTile, multiplyABt } from '../src/productTiles';
import { SimdGemm, paddedRows, setSimdGemmEnabled } from '../src/simdGemm';
import { quantizationLevels } from '../src/neighborIndex';
import { Random } from '../src/random';
import { createRowKernels } from '../src/rowKernels';

function randomMatrix(rows: number, columns: number, random: Random): DenseMatrix {
  const m = createDenseMatrix(rows, columns);
  for (let k = 0; k < m.data.length; k++) m.data[k] = 2 * random.nextFloat() - 1;
  return m;
}

/** Largest |got − expected| divided by Σ|terms| of that entry, and where it occurs. */
function worstError(got: Float64Array, expected: Float64Array, scale: Float64Array): { error: number; at: number } {
  let error = 0;
  let at = -1;
  for (let k = 0; k < expected.length; k++) {
    const e = Math.abs(got[k]! - expected[k]!) / Math.max(scale[k]!, 1e-300);
    if (!(e <= error)) {
      error = e;
      at = k;
    }
  }
  return { error, at };
}

function naiveABt(A: DenseMatrix, B: DenseMatrix): { product: Float64Array; scale: Float64Array } {
  const d = A.columns;
  const product = new Float64Array(A.rows * B.rows);
  const scale = new Float64Array(A.rows * B.rows);
  for (let i = 0; i < A.rows; i++) {
    for (let k = 0; k < B.rows; k++) {
      let s = 0;
      let t = 0;
      for (let j = 0; j < d; j++) {
        s += A.data[i * d + j]! * B.data[k * d + j]!;
        t += Math.abs(A.data[i * d + j]! * B.data[k * d + j]!);
      }
      product[i * B.rows + k] = s;
      scale[i * B.rows + k] = t;
    }
  }
  return { product, scale };
}

// Odd sizes on purpose: rows not a multiple of the 2 × 4 block, columns not a multiple of 4,
// and A with more rows than one 256-row chunk. The first three are below the size where
// the SIMD kernels take over, the others above it.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 9, 33],
  [41, 45, 157],
  [257, 9, 130],
  [300, 70, 129],
  [64, 1001, 5],
];

describe.each([true, false])('multiplyABt, SIMD %s', (simd) => {
  afterEach(() => setSimdGemmEnabled(true));

  it.each(SHAPES)('%i × %i rows of %i columns', (n, m, d) => {
    setSimdGemmEnabled(simd);
    const random = new Random(n * 1000 + m + d);
    const A = randomMatrix(n, d, random);
    const B = randomMatrix(m, d, random);
    const out = new Float64Array(n * m).fill(NaN);
    multiplyABt(A, B, out);
    const { product, scale } = naiveABt(A, B);
    const { error, at } = worstError(out, product, scale);
    expect(error, `relative error ${error} at row ${Math.floor(at / m)}, column ${at % m}: ${out[at]} vs ${product[at]}`).toBeLessThanOrEqual(1e-12);
  });
});

describe('SimdGemm.accumulate', () => {
  it.each([
    [1, 2, 4],
    [7, 4, 9],
    [64, 12, 131],
  ])('G += Rᵀ X for %i rows, %i weight rows, %i columns', (nRows, nK, d) => {
    const gemm = SimdGemm.create(d);
    expect(gemm, 'WebAssembly SIMD is available in Node 20').toBeDefined();
    if (gemm === undefined) return;
    const random = new Random(nRows + nK + d);
    const X = randomMatrix(nRows, d, random);
    const R = randomMatrix(nRows, nK, random);
    const G0 = randomMatrix(nK, d, random);

    const x = gemm.allocateRows(X.data, 0, nRows);
    const g = gemm.allocateRows(G0.data, 0, nK);
    const r = gemm.allocate(paddedRows(nRows) * nK);
    gemm.heap.set(R.data, r / 8);
    gemm.accumulate(r, nK, x, nRows, g, nK);

    const got = new Float64Array(nK * d);
    const expected = new Float64Array(nK * d);
    const scale = new Float64Array(nK * d);
    for (let k = 0; k < nK; k++) {
      got.set(gemm.heap.subarray(g / 8 + k * gemm.stride, g / 8 + k * gemm.stride + d), k * d);
      for (let j = 0; j < d; j++) {
        let s = G0.data[k * d + j]!;
        let t = Math.abs(s);
        for (let i = 0; i < nRows; i++) {
          s += R.data[i * nK + k]! * X.data[i * d + j]!;
          t += Math.abs(R.data[i * nK + k]! * X.data[i * d + j]!);
        }
        expected[k * d + j] = s;
        scale[k * d + j] = t;
      }
    }
    const { error, at } = worstError(got, expected, scale);
    expect(error, `relative error ${error} at G[${Math.floor(at / d)}][${at % d}]: ${got[at]} vs ${expected[at]}`).toBeLessThanOrEqual(1e-12);
  });

  it('leaves the padding columns of G at zero', () => {
    const gemm = SimdGemm.create(5)!;
    const x = gemm.allocateRows(new Float64Array([1, 2, 3, 4, 5]), 0, 1);
    const g = gemm.allocate(4 * gemm.stride);
    const r = gemm.allocate(4);
    gemm.heap.set([1, 1, 1, 1], r / 8);
    gemm.accumulate(r, 4, x, 1, g, 4);
    expect(Array.from(gemm.heap.subarray(g / 8, g / 8 + gemm.stride))).toEqual([1, 2, 3, 4, 5, 0, 0, 0]);
  });
});

// Oracle: the integer dot product in a JavaScript loop, exact in float64 (every sum < 2⁵³), so results must be equal.
describe('SimdGemm.dotInt16', () => {
  it.each([
    [2, 4, 8],
    [6, 12, 37],
    [10, 8, 1280],
  ])('A Bᵀ for %i × %i rows of %i int16 values at the largest safe level', (nA, nB, d) => {
    const gemm = SimdGemm.create(d);
    expect(gemm, 'WebAssembly SIMD is available in Node 20').toBeDefined();
    if (gemm === undefined) return;
    const random = new Random(nA + nB + d);
    // Values at ±levels in every lane drive each int32 lane sum to its bound, which must not wrap.
    const levels = quantizationLevels(gemm.stride);
    const a = gemm.allocate((nA * gemm.stride) / 4);
    const b = gemm.allocate((nB * gemm.stride) / 4);
    const out = gemm.allocate(nA * nB);
    const heap16 = gemm.heap16;
    const A = new Int16Array(nA * d);
    const B = new Int16Array(nB * d);
    for (let k = 0; k < A.length; k++) A[k] = k % 3 === 0 ? levels : random.nextInt(2 * levels + 1) - levels;
    for (let k = 0; k < B.length; k++) B[k] = k % 3 === 0 ? levels : random.nextInt(2 * levels + 1) - levels;
    for (let i = 0; i < nA; i++) heap16.set(A.subarray(i * d, (i + 1) * d), a / 2 + i * gemm.stride);
    for (let i = 0; i < nB; i++) heap16.set(B.subarray(i * d, (i + 1) * d), b / 2 + i * gemm.stride);
    // A row of all +levels against itself reaches the largest sum any lane can hold.
    heap16.fill(levels, a / 2, a / 2 + d);
    heap16.fill(levels, b / 2, b / 2 + d);
    A.fill(levels, 0, d);
    B.fill(levels, 0, d);
    gemm.dotInt16(a, nA, b, nB, out, nB);

    for (let i = 0; i < nA; i++) {
      for (let k = 0; k < nB; k++) {
        let expected = 0;
        for (let j = 0; j < d; j++) expected += A[i * d + j]! * B[k * d + j]!;
        expect(gemm.heap[out / 8 + i * nB + k], `A${i} · B${k}`).toBe(expected);
      }
    }
  });
});

describe.each([true, false])('row kernels, SIMD %s', (simd) => {
  afterEach(() => setSimdGemmEnabled(true));

  it.each([1, 6, 1283])('x_i · w and w += a x_i with %i columns', (d) => {
    setSimdGemmEnabled(simd);
    const random = new Random(d);
    const X = randomMatrix(5, d, random);
    const rows = createRowKernels(X);
    const w = new Float64Array(d);
    rows.reset();

    // A few coordinate-descent-like steps; the float64 reference w follows the same updates.
    for (const [i, a] of [[3, 0.5], [0, -1.25], [4, 2], [3, -0.75]] as const) {
      rows.axpy(i, a);
      for (let j = 0; j < d; j++) w[j]! += a * X.data[i * d + j]!;
      for (let t = 0; t < X.rows; t++) {
        let expected = 0;
        let scale = 0;
        for (let j = 0; j < d; j++) {
          expected += X.data[t * d + j]! * w[j]!;
          scale += Math.abs(X.data[t * d + j]! * w[j]!);
        }
        const got = rows.dot(t);
        expect(Math.abs(got - expected) / scale, `x_${t} · w: ${got} vs ${expected}`).toBeLessThanOrEqual(1e-12);
      }
    }
    const copied = new Float64Array(d);
    rows.copyWeights(copied);
    const error = worstError(copied, w, w.map(Math.abs)).error;
    expect(error, `copied w, relative error ${error}`).toBeLessThanOrEqual(1e-12);
    rows.reset();
    expect(rows.dot(0)).toBe(0);
  });
});

describe('forEachProductTile error bounds', () => {
  // Oracle: the naive float64 loop; its own error (< 1e-13 of ‖a‖‖b‖ here) is far below the float32 bound checked.
  it.each([
    ['unit scale', 1],
    ['large and tiny rows', 1e20],
  ])('float32 tiles stay within their stated bound, %s', (_name, spread) => {
    const random = new Random(3);
    const A = randomMatrix(70, 301, random);
    const B = randomMatrix(90, 301, random);
    // Scale alternate rows up and down so products span many orders of magnitude.
    for (let i = 0; i < 70; i++) for (let j = 0; j < 301; j++) A.data[i * 301 + j]! *= i % 2 === 0 ? spread : 1 / spread;
    for (let i = 0; i < 90; i++) for (let j = 0; j < 301; j++) B.data[i * 301 + j]! *= i % 3 === 0 ? 1 / spread : 1;
    const { product } = naiveABt(A, B);
    const lengthA = Array.from({ length: 70 }, (_, i) => Math.hypot(...A.data.subarray(i * 301, (i + 1) * 301)));
    const lengthB = Array.from({ length: 90 }, (_, i) => Math.hypot(...B.data.subarray(i * 301, (i + 1) * 301)));

    let worst = 0;
    let usedFloat32 = false;
    forEachProductTile(
      A,
      B,
      (tile) => {
        usedFloat32 ||= tile.relativeError > 1e-9;
        for (let r = 0; r < tile.rows; r++) {
          for (let c = 0; c < tile.columns; c++) {
            const i = tile.rowStart + r;
            const k = tile.columnStart + c;
            const bound = tile.relativeError * lengthA[i]! * lengthB[k]! + tile.absoluteError;
            worst = Math.max(worst, Math.abs(tile.values[tile.offset + r * tile.stride + c]! - product[i * 90 + k]!) / bound);
          }
        }
      },
      { float32: true },
    );
    expect(usedFloat32, 'the float32 kernel ran').toBe(true);
    expect(worst, `largest error as a fraction of the stated bound: ${worst}`).toBeLessThanOrEqual(1);
  });
});

describe('SIMD workspace out of memory', () => {
  afterEach(() => vi.restoreAllMocks());

  it('falls back to the JavaScript kernels', () => {
    // Every Memory.grow fails as it does when the engine cannot reserve the pages.
    vi.spyOn(WebAssembly.Memory.prototype, 'grow').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    });
    const random = new Random(9);
    const A = randomMatrix(41, 157, random);
    const B = randomMatrix(45, 157, random);
    const out = new Float64Array(41 * 45);
    multiplyABt(A, B, out);
    const { product, scale } = naiveABt(A, B);
    const { error } = worstError(out, product, scale);
    expect(error, `relative error ${error}`).toBeLessThanOrEqual(1e-12);

    const rows = createRowKernels(A);
    rows.reset();
    rows.axpy(0, 1);
    expect(rows.dot(0), 'x_0 · x_0 from the JavaScript row kernels').toBeGreaterThan(0);

    const passes = createLinearModelPasses(A, 3);
    const gradW = new Float64Array(3 * 157);
    passes.run(new Float64Array(3 * 157).fill(0.01), gradW, () => {});
    expect(Number.isFinite(gradW[0]!)).toBe(true);
  });
});
