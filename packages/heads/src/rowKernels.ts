import { type DenseMatrix, dot } from './data';
import { SimdGemm, fitsSimdWorkspace } from './simdGemm';

/**
 * A weight vector w (length d) and the two row operations of dual coordinate descent
 * over fixed samples X (n × d): x_i · w and w += a·x_i.
 */
export interface RowKernels {
  /** Sets w to zero. */
  reset(): void;
  dot(i: number): number;
  axpy(i: number, a: number): void;
  /** Copies w into out[0 .. d). */
  copyWeights(out: Float64Array): void;
}

/** The WebAssembly SIMD version on a packed copy of X when available, else plain JavaScript. */
export function createRowKernels(X: DenseMatrix): RowKernels {
  const gemm = fitsSimdWorkspace(X.rows + 1, X.columns) ? SimdGemm.create(X.columns) : undefined;
  if (gemm === undefined) return new JsRowKernels(X);
  try {
    return new SimdRowKernels(X, gemm);
  } catch (error) {
    // Too little memory for the packed copy of X (e.g. a 32-bit browser): the JavaScript kernels need none.
    if (error instanceof RangeError) return new JsRowKernels(X);
    throw error;
  }
}

class JsRowKernels implements RowKernels {
  private readonly w: Float64Array;

  constructor(private readonly X: DenseMatrix) {
    this.w = new Float64Array(X.columns);
  }

  reset(): void {
    this.w.fill(0);
  }

  dot(i: number): number {
    const d = this.X.columns;
    return dot(this.X.data, i * d, this.w, 0, d);
  }

  axpy(i: number, a: number): void {
    const { w } = this;
    const { columns: d, data } = this.X;
    const offset = i * d;
    for (let k = 0; k < d; k++) w[k]! += a * data[offset + k]!;
  }

  copyWeights(out: Float64Array): void {
    out.set(this.w);
  }
}

class SimdRowKernels implements RowKernels {
  private readonly x: number;
  private readonly w: number;

  constructor(
    private readonly X: DenseMatrix,
    private readonly gemm: SimdGemm,
  ) {
    this.x = gemm.allocateRows(X.data, 0, X.rows);
    this.w = gemm.allocate(gemm.stride);
  }

  reset(): void {
    this.gemm.heap.fill(0, this.w / 8, this.w / 8 + this.gemm.stride);
  }

  dot(i: number): number {
    return this.gemm.dotRow(this.x + i * this.gemm.rowBytes, this.w);
  }

  axpy(i: number, a: number): void {
    this.gemm.axpyRow(this.x + i * this.gemm.rowBytes, this.w, a);
  }

  copyWeights(out: Float64Array): void {
    out.set(this.gemm.heap.subarray(this.w / 8, this.w / 8 + this.X.columns));
  }
}
