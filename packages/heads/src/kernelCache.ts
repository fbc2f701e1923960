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
 * Rows of the signed kernel matrix Q_ij = y_i y_j k(x_i, x_j) for SMO, kept in a
 * least-recently-used cache of `cacheSizeMb` megabytes. From samples, each row is
 * computed on demand with one matrix-vector product. From a precomputed kernel matrix,
 * rows are copied, and the matrix counts against the cache size.
 * Entries are float32, as libsvm's `Qfloat`, which halves memory; the diagonal
 * stays float64.
 */
export class KernelCache {
  readonly diagonal: Float64Array;
  private readonly l: number;
  private readonly rows = new Map<number, Float32Array>();
  private readonly maxRows: number;
  private readonly norms: Float64Array;
  private readonly products: Float64Array;

  constructor(
    private readonly samples: DenseMatrix | KernelMatrixRows,
    private readonly y: Int8Array,
    private readonly params: KernelParams,
    cacheSizeMb: number,
  ) {
    const l = y.length;
    this.l = l;
    let budget = cacheSizeMb * 1024 * 1024;
    if ('matrix' in samples) {
      budget -= samples.matrix.values.byteLength;
      this.norms = new Float64Array(0);
      this.products = new Float64Array(0);
      this.diagonal = Float64Array.from(samples.indices, (t) => samples.matrix.diagonal[t]!);
    } else {
      const X = samples;
      this.norms = rowSquaredNorms(X);
      this.products = new Float64Array(l);
      this.diagonal = new Float64Array(l);
      for (let i = 0; i < l; i++) this.diagonal[i] = kernelValue(params, X, i, this.norms[i]!, X, i, this.norms[i]!);
    }
    // At least two rows, because every SMO step needs rows i and j at once.
    this.maxRows = Math.max(2, Math.floor(budget / (4 * l)));
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
      row = new Float32Array(this.l);
    }

    const { samples, y, l } = this;
    const yi = y[i]!;
    if ('matrix' in samples) {
      const { matrix, indices } = samples;
      const base = indices[i]! * matrix.size;
      for (let j = 0; j < l; j++) row[j] = yi * y[j]! * matrix.values[base + indices[j]!]!;
    } else {
      const { params, norms, products } = this;
      gemvBlocked(samples.data, i * samples.columns, samples.data, l, samples.columns, products, 0);
      for (let j = 0; j < l; j++) row[j] = yi * y[j]! * kernelFromProduct(params, products[j]!, norms[i]!, norms[j]!);
    }
    this.rows.set(i, row);
    return row;
  }
}
