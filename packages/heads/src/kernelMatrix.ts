import type { DenseMatrix } from './data';
import { type KernelParams, kernelFromProduct, kernelValue, rowSquaredNorms } from './kernels';
import { forEachProductTile } from './productTiles';

/** The n × n kernel matrix k(x_i, x_j) of all training samples, rounded to float32 as libsvm's kernel cache stores it. */
export interface KernelMatrix {
  size: number;
  values: Float32Array;
  /** k(x_i, x_i) in float64, as SMO keeps its diagonal. */
  diagonal: Float64Array;
}

/** Returns whether the float32 kernel matrix of n samples fits in a kernel cache of `cacheSizeMb` megabytes. */
export function kernelMatrixFits(n: number, cacheSizeMb: number): boolean {
  return n * n * 4 <= cacheSizeMb * 1024 * 1024;
}

/**
 * Computes every k(x_i, x_j) at once from the blocked product X Xᵀ: several times
 * faster than one matrix-vector product per kernel row, and every one-vs-one
 * problem then reads its rows from this matrix.
 */
export function computeKernelMatrix(X: DenseMatrix, params: KernelParams): KernelMatrix {
  const n = X.rows;
  const norms = rowSquaredNorms(X);
  const values = new Float32Array(n * n);
  // Only the upper triangle is computed: x_i·x_j and x_j·x_i are the same products summed in the same
  // order, so mirroring gives exactly the values a full computation would.
  forEachProductTile(
    X,
    X,
    (tile) => {
      const { values: products, offset, stride, rowStart, rows, columnStart, columns } = tile;
      for (let r = 0; r < rows; r++) {
        const i = rowStart + r;
        const out = i * n + columnStart;
        const from = offset + r * stride;
        for (let c = 0; c < columns; c++) values[out + c] = kernelFromProduct(params, products[from + c]!, norms[i]!, norms[columnStart + c]!);
      }
    },
    { upperTriangle: true },
  );
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) values[i * n + j] = values[j * n + i]!;
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) diagonal[i] = kernelValue(params, X, i, norms[i]!, X, i, norms[i]!);
  return { size: n, values, diagonal };
}
