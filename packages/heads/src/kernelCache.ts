import type { DenseMatrix } from './data';
import { gemvBlocked } from './gemm';
import type { KernelMatrix } from './kernelMatrix';
import { type KernelParams, kernelFromProduct, kernelValue, rowSquaredNorms } from './kernels';

/** Precomputed kernel values for a subset of samples: sample t of the subset is row `indices[t]` of `matrix`. */
export interface KernelMatrixRows {
  matrix: KernelMatrix;
  indices: ArrayLike<number>;
}

/**
 * Rows of the signed kernel matrix Q_ij = y_i y_j k(x_i, x_j) for SMO, computed on
 * demand and kept in a least-recently-used cache of `cacheSizeMb` megabytes.
 * Entries are float32, as libsvm's `Qfloat`, which halves memory; the diagonal
 * stays float64. With `precomputed`, rows are copied from the kernel matrix instead.
 */
export class KernelCache {
  readonly diagonal: Float64Array;
  private readonly rows = new Map<number, Float32Array>();
  private readonly maxRows: number;
  private readonly norms: Float64Array;
  private readonly products: Float64Array;

  constructor(
    private readonly X: DenseMatrix,
    private readonly y: Int8Array,
    private readonly params: KernelParams,
    cacheSizeMb: number,
    private readonly precomputed?: KernelMatrixRows,
  ) {
    // The kernel matrix counts against the cache size. At least two rows, because every SMO step needs rows i and j at once.
    const budget = cacheSizeMb * 1024 * 1024 - (precomputed?.matrix.values.byteLength ?? 0);
    this.maxRows = Math.max(2, Math.floor(budget / (4 * X.rows)));
    this.norms = rowSquaredNorms(X);
    this.products = new Float64Array(X.rows);
    this.diagonal = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) this.diagonal[i] = kernelValue(params, X, i, this.norms[i]!, X, i, this.norms[i]!);
  }

  /** Returns row i of Q (length l). The array stays valid until two more rows are requested. */
  row(i: number): Float32Array {
    const cached = this.rows.get(i);
    if (cached !== undefined) {
      // Re-inserting moves the row to the most-recently-used end of the Map's order.
      this.rows.delete(i);
      this.rows.set(i, cached);
      return cached;
    }

    let row: Float32Array;
    if (this.rows.size >= this.maxRows) {
      const oldest = this.rows.keys().next().value as number;
      row = this.rows.get(oldest)!;
      this.rows.delete(oldest);
    } else {
      row = new Float32Array(this.X.rows);
    }

    const { X, y, params, norms, products, precomputed } = this;
    const yi = y[i]!;
    if (precomputed !== undefined) {
      const { matrix, indices } = precomputed;
      const base = indices[i]! * matrix.size;
      for (let j = 0; j < X.rows; j++) row[j] = yi * y[j]! * matrix.values[base + indices[j]!]!;
      this.rows.set(i, row);
      return row;
    }
    gemvBlocked(X.data, i * X.columns, X.data, X.rows, X.columns, products, 0);
    for (let j = 0; j < X.rows; j++) row[j] = yi * y[j]! * kernelFromProduct(params, products[j]!, norms[i]!, norms[j]!);
    this.rows.set(i, row);
    return row;
  }
}
