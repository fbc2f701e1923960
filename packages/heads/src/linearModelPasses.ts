import type { DenseMatrix } from './data';
import { gemmABt, gemmAtBAccumulate } from './gemm';
import { SimdGemm, fitsSimdWorkspace, paddedRows, roundUp } from './simdGemm';
import { ACCUMULATE_TILE_ROWS, DOT_TILE_ROWS } from './simdGemmKernels';

/**
 * Turns a block of scores into residuals in place: block[(i − rowStart)·K + k] holds
 * z_ik = W_k · x_i on entry and must hold r_ik on return, for rows rowStart … rowStart + rows − 1.
 */
export type ResidualFunction = (block: Float64Array, rowStart: number, rows: number) => void;

/**
 * The two products of a linear model's loss gradient over fixed samples X (n × d):
 * scores Z = X Wᵀ and gradient Rᵀ X, with residuals R computed from Z in between.
 */
export interface LinearModelPasses {
  /** Computes Z = X Wᵀ for W (K × d, row-major), calls `residuals` on it block by block, and adds Rᵀ X to gradW (K × d). */
  run(W: Float64Array, gradW: Float64Array, residuals: ResidualFunction): void;
}

/** Rows of X per block: 48 rows of 1,280 features (480 KB) stay in a 1 MB L2 cache between the two products. */
const BLOCK_BYTES = 512 * 1024;

/**
 * Passes for K weight vectors: the WebAssembly SIMD kernels on a packed copy of X when
 * available (X is then read once per call, block by block, by both products), else
 * the JavaScript kernels over the whole of X.
 */
export function createLinearModelPasses(X: DenseMatrix, K: number): LinearModelPasses {
  const gemm = fitsSimdWorkspace(X.rows + 2 * K, X.columns) ? SimdGemm.create(X.columns) : undefined;
  if (gemm === undefined) return new JsPasses(X, K);
  try {
    return new SimdPasses(X, K, gemm);
  } catch (error) {
    // Too little memory for the packed copy of X (e.g. a 32-bit browser): the JavaScript kernels need none.
    if (error instanceof RangeError) return new JsPasses(X, K);
    throw error;
  }
}

class JsPasses implements LinearModelPasses {
  private readonly Z: Float64Array;

  constructor(
    private readonly X: DenseMatrix,
    private readonly K: number,
  ) {
    this.Z = new Float64Array(X.rows * K);
  }

  run(W: Float64Array, gradW: Float64Array, residuals: ResidualFunction): void {
    const { rows: n, columns: d, data } = this.X;
    gemmABt(data, n, W, this.K, d, this.Z);
    residuals(this.Z, 0, n);
    gemmAtBAccumulate(this.Z, data, n, this.K, d, gradW);
  }
}

class SimdPasses implements LinearModelPasses {
  /** Weight rows rounded up to the multiple that the dot and accumulate kernels need. */
  private readonly kPadded: number;
  private readonly blockRows: number;
  private readonly x: number;
  private readonly w: number;
  private readonly g: number;
  private readonly zt: number;
  private readonly r: number;
  private readonly block: Float64Array;

  constructor(
    private readonly X: DenseMatrix,
    private readonly K: number,
    private readonly gemm: SimdGemm,
  ) {
    this.kPadded = roundUp(K, Math.max(ACCUMULATE_TILE_ROWS, DOT_TILE_ROWS));
    this.blockRows = Math.max(4, Math.floor(BLOCK_BYTES / gemm.rowBytes / 4) * 4);
    this.x = gemm.allocateRows(X.data, 0, X.rows);
    this.w = gemm.allocate(this.kPadded * gemm.stride);
    this.g = gemm.allocate(this.kPadded * gemm.stride);
    this.zt = gemm.allocate(this.kPadded * this.blockRows);
    this.r = gemm.allocate(this.blockRows * this.kPadded);
    this.block = new Float64Array(this.blockRows * K);
  }

  run(W: Float64Array, gradW: Float64Array, residuals: ResidualFunction): void {
    const { X, K, kPadded, blockRows, gemm, block } = this;
    const d = X.columns;
    const stride = gemm.stride;
    const ztBase = this.zt / 8;
    const rBase = this.r / 8;
    gemm.packRows(W, 0, K, this.w);

    for (let rowStart = 0; rowStart < X.rows; rowStart += blockRows) {
      const rows = Math.min(blockRows, X.rows - rowStart);
      const xBlock = this.x + rowStart * gemm.rowBytes;

      // Zᵀ for the block (K × rows): the weights are the 2-row side, so each 4-row group of X is loaded once per weight pair.
      gemm.dot(this.w, roundUp(K, DOT_TILE_ROWS), xBlock, paddedRows(rows), this.zt, blockRows);
      let heap = gemm.heap;
      for (let i = 0; i < rows; i++) for (let k = 0; k < K; k++) block[i * K + k] = heap[ztBase + k * blockRows + i]!;

      residuals(block, rowStart, rows);

      // G += Rᵀ X while the block of X is still in cache; R's padding columns k ≥ K stay zero.
      heap = gemm.heap;
      for (let i = 0; i < rows; i++) for (let k = 0; k < K; k++) heap[rBase + i * kPadded + k] = block[i * K + k]!;
      gemm.accumulate(this.r, kPadded, xBlock, rows, this.g, kPadded);
    }

    const heap = gemm.heap;
    const gBase = this.g / 8;
    for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) gradW[k * d + j]! += heap[gBase + k * stride + j]!;
    heap.fill(0, gBase, gBase + kPadded * stride);
  }
}
