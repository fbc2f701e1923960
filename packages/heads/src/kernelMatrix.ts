import type { DenseMatrix } from './data';
import { type KernelParams, kernelFromProduct, rowSquaredNorms } from './kernels';
import { forEachProductTile } from './productTiles';

/** The n × n kernel matrix k(x_i, x_j) of all training samples, rounded to float32 as libsvm's kernel cache stores it. */
export interface KernelMatrix {
  size: number;
  values: Float32Array;
}

/** Whether the float32 kernel matrix of n samples fits in a kernel cache of `cacheSizeMb` megabytes. */
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
  forEachProductTile(X, X, (tile) => {
    const { values: products, offset, stride, rowStart, rows, columnStart, columns } = tile;
    for (let r = 0; r < rows; r++) {
      const i = rowStart + r;
      const out = i * n + columnStart;
      const from = offset + r * stride;
      for (let c = 0; c < columns; c++) values[out + c] = kernelFromProduct(params, products[from + c]!, norms[i]!, norms[columnStart + c]!);
    }
  });
  return { size: n, values };
}
