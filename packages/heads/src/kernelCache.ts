import type { DenseMatrix } from './data';
import { gemvBlocked } from './gemm';
import { type KernelParams, kernelFromProduct, kernelValue, rowSquaredNorms } from './kernels';

/**
 * Rows of the signed kernel matrix Q_ij = y_i y_j k(x_i, x_j) for SMO, computed on
 * demand and kept in a least-recently-used cache of `cacheSizeMb` megabytes.
 * Entries are float32, as libsvm's `Qfloat`, which halves memory; the diagonal
 * stays float64.
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
  ) {
    // At least two rows, because every SMO step needs rows i and j at once.
    this.maxRows = Math.max(2, Math.floor((cacheSizeMb * 1024 * 1024) / (4 * X.rows)));
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

    const { X, y, params, norms, products } = this;
    const yi = y[i]!;
    gemvBlocked(X.data, i * X.columns, X.data, X.rows, X.columns, products, 0);
    for (let j = 0; j < X.rows; j++) row[j] = yi * y[j]! * kernelFromProduct(params, products[j]!, norms[i]!, norms[j]!);
    this.rows.set(i, row);
    return row;
  }
}
