import type { DenseMatrix } from './data';
import { gemmABt } from './gemm';
import { SimdGemm, fitsSimdWorkspace, paddedRows, roundUp } from './simdGemm';

/**
 * A block of A Bᵀ: values[offset + r·stride + c] ≈ A_{rowStart + r} · B_{columnStart + c}, with
 * |value − a·b| ≤ relativeError·‖a‖‖b‖ + absoluteError for the exact dot product a·b.
 */
export interface ProductTile {
  values: Float64Array;
  offset: number;
  stride: number;
  rowStart: number;
  rows: number;
  columnStart: number;
  columns: number;
  relativeError: number;
  absoluteError: number;
}

export interface ProductTileOptions {
  /** For A = B: skip tiles whose columns all lie below the first row of their row chunk (default false). */
  upperTriangle?: boolean;
  /**
   * Round the operands to float32 and sum in float32 lanes where the SIMD kernels run and
   * no sum can overflow: twice the speed, with the error bound in each tile (default false).
   */
  float32?: boolean;
}

/** Rows of A per chunk: a chunk of 256 rows of 1,280 features (2.6 MB) stays in the L3 cache while B tiles pass. */
const CHUNK_ROWS = 256;
/** Bytes of B per tile: about half of a 1 MB L2 cache, so a tile stays there while every row of the A chunk meets it. */
const TILE_BYTES = 512 * 1024;
/** Below this many multiply-adds, packing operands into WebAssembly memory costs more than it saves. */
const MIN_SIMD_WORK = 1 << 18;

const FLOAT64_UNIT_ROUNDOFF = 2 ** -53;
const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

/** γ_n = n·u / (1 − n·u), the classic bound on the relative error of n rounded operations (Higham, 2002, §3.1). */
function gamma(n: number, unitRoundoff: number): number {
  return (n * unitRoundoff) / (1 - n * unitRoundoff);
}

/**
 * Computes A Bᵀ for A (n × d) and B (m × d) one tile at a time and passes each tile to
 * `visit`, never holding the whole n × m product. Tiles come row chunk by row chunk,
 * and within a chunk in increasing columnStart, so each row of A meets the columns in
 * order 0, 1, …, m − 1. The tile's values are valid only during the call.
 * With `upperTriangle`, every product with column ≥ row is still computed.
 */
export function forEachProductTile(A: DenseMatrix, B: DenseMatrix, visit: (tile: ProductTile) => void, options: ProductTileOptions = {}): void {
  if (A.columns !== B.columns) throw new Error(`A has ${A.columns} columns but B has ${B.columns}: A Bᵀ needs equal row lengths`);
  const d = A.columns;
  const upperTriangle = options.upperTriangle ?? false;
  const useSimd = A.rows * B.rows * d >= MIN_SIMD_WORK && fitsSimdWorkspace(B.rows + CHUNK_ROWS, d);
  const gemm = useSimd ? SimdGemm.create(d) : undefined;
  if (gemm === undefined) {
    forEachProductTileJs(A, B, visit, upperTriangle);
    return;
  }

  // Operand magnitudes bound the float32 values and sums (every one at most 2^100, far from float32's
  // 2^128, so none overflows) and the absolute error of values that round to subnormals.
  const maxA = maxAbs(A.data);
  const maxB = maxAbs(B.data);
  const float32 = (options.float32 ?? false) && maxA <= 2 ** 100 && maxB <= 2 ** 100 && maxA * maxB * d <= 2 ** 100;
  const laneTerms = gemm.stride / (float32 ? 4 : 2);
  const tile: ProductTile = {
    values: gemm.heap,
    offset: 0,
    stride: 0,
    rowStart: 0,
    rows: 0,
    columnStart: 0,
    columns: 0,
    // Each lane sums laneTerms rounded products; the lanes are then added in float64. For float32, the
    // rounding of both operands (2u + u²) and the float64 lane sums fit in the 6 extra steps of γ.
    relativeError: float32 ? gamma(laneTerms + 6, FLOAT32_UNIT_ROUNDOFF) : gamma(laneTerms + 3, FLOAT64_UNIT_ROUNDOFF),
    // Operands and products that round to subnormals err by up to half the smallest subnormal each.
    absoluteError: d * (maxA + maxB + 1) * (float32 ? 2 ** -148 : 2 ** -1072),
  };

  const tileRows = Math.max(4, Math.floor(TILE_BYTES / gemm.rowBytes / 4) * 4);
  const chunkRows = Math.min(CHUNK_ROWS, paddedRows(A.rows));
  let a: number;
  let b: number;
  let products: number;
  try {
    b = float32 ? gemm.allocateRowsFloat32(B.data, 0, B.rows) : gemm.allocateRows(B.data, 0, B.rows);
    a = gemm.allocate((chunkRows * gemm.stride) / (float32 ? 2 : 1));
    products = gemm.allocate(chunkRows * tileRows);
  } catch (error) {
    // Too little memory for the packed operands (e.g. a 32-bit browser): the JavaScript kernels need none.
    if (!(error instanceof RangeError)) throw error;
    forEachProductTileJs(A, B, visit, upperTriangle);
    return;
  }
  const bRowBytes = float32 ? gemm.rowBytes / 2 : gemm.rowBytes;
  tile.offset = products / 8;
  tile.stride = tileRows;

  for (let rowStart = 0; rowStart < A.rows; rowStart += chunkRows) {
    const rows = Math.min(chunkRows, A.rows - rowStart);
    // Rows past `rows` keep the previous chunk's values; their products are computed but never visited.
    if (float32) gemm.packRowsFloat32(A.data, rowStart, rows, a);
    else gemm.packRows(A.data, rowStart, rows, a);
    tile.rowStart = rowStart;
    tile.rows = rows;
    for (let columnStart = 0; columnStart < B.rows; columnStart += tileRows) {
      const columns = Math.min(tileRows, B.rows - columnStart);
      if (upperTriangle && columnStart + columns <= rowStart) continue;
      const bTile = b + columnStart * bRowBytes;
      if (float32) gemm.dotFloat32(a, roundUp(rows, 2), bTile, paddedRows(columns), products, tileRows);
      else gemm.dot(a, roundUp(rows, 2), bTile, paddedRows(columns), products, tileRows);
      tile.values = gemm.heap;
      tile.columnStart = columnStart;
      tile.columns = columns;
      visit(tile);
    }
  }
}

/** Computes the same tiles in float64 with the scalar JavaScript kernel, for engines without WebAssembly SIMD. */
function forEachProductTileJs(A: DenseMatrix, B: DenseMatrix, visit: (tile: ProductTile) => void, upperTriangle: boolean): void {
  const d = A.columns;
  const tileRows = Math.max(4, Math.floor(TILE_BYTES / (8 * d)));
  const chunkRows = Math.min(CHUNK_ROWS, A.rows);
  const values = new Float64Array(chunkRows * tileRows);
  const tile: ProductTile = {
    values,
    offset: 0,
    stride: 0,
    rowStart: 0,
    rows: 0,
    columnStart: 0,
    columns: 0,
    // gemmABt sums each product in one accumulator, in column order.
    relativeError: gamma(d + 3, FLOAT64_UNIT_ROUNDOFF),
    absoluteError: d * (maxAbs(A.data) + maxAbs(B.data) + 1) * 2 ** -1072,
  };

  for (let rowStart = 0; rowStart < A.rows; rowStart += chunkRows) {
    const rows = Math.min(chunkRows, A.rows - rowStart);
    for (let columnStart = 0; columnStart < B.rows; columnStart += tileRows) {
      const columns = Math.min(tileRows, B.rows - columnStart);
      if (upperTriangle && columnStart + columns <= rowStart) continue;
      gemmABt(A.data, rows, B.data.subarray(columnStart * d, (columnStart + columns) * d), columns, d, values, rowStart);
      Object.assign(tile, { stride: columns, rowStart, rows, columnStart, columns });
      visit(tile);
    }
  }
}

function maxAbs(values: Float64Array): number {
  let max = 0;
  for (let k = 0; k < values.length; k++) max = Math.max(max, Math.abs(values[k]!));
  return max;
}

/** out = A Bᵀ, n × m row-major, for A (n × d) and B (m × d), in float64. */
export function multiplyABt(A: DenseMatrix, B: DenseMatrix, out: Float64Array): void {
  const m = B.rows;
  forEachProductTile(A, B, (tile) => {
    const { values, offset, stride, rowStart, rows, columnStart, columns } = tile;
    for (let r = 0; r < rows; r++) {
      const from = offset + r * stride;
      out.set(values.subarray(from, from + columns), (rowStart + r) * m + columnStart);
    }
  });
}
