import type { DenseMatrix } from './data';
import { gemmABt } from './gemm';
import { SimdGemm, fitsSimdWorkspace, paddedRows, roundUp } from './simdGemm';

/** A block of A Bᵀ: values[offset + r·stride + c] = A_{rowStart + r} · B_{columnStart + c}. */
export interface ProductTile {
  values: Float64Array;
  offset: number;
  stride: number;
  rowStart: number;
  rows: number;
  columnStart: number;
  columns: number;
}

/** Rows of A per chunk: a chunk of 256 rows of 1,280 features (2.6 MB) stays in the L3 cache while B tiles pass. */
const CHUNK_ROWS = 256;
/** Bytes of B per tile: about half of a 1 MB L2 cache, so a tile stays there while every row of the A chunk meets it. */
const TILE_BYTES = 512 * 1024;
/** Below this many multiply-adds, packing operands into WebAssembly memory costs more than it saves. */
const MIN_SIMD_WORK = 1 << 18;

/**
 * Computes A Bᵀ for A (n × d) and B (m × d) one tile at a time and passes each tile to
 * `visit`, never holding the whole n × m product. Tiles come row chunk by row chunk,
 * and within a chunk in increasing columnStart, so each row of A meets the columns in
 * order 0, 1, …, m − 1. The tile's values are valid only during the call.
 * With `upperTriangle` (for A = B), tiles whose columns all lie below the first row of
 * their row chunk are skipped, which leaves every product with column ≥ row computed.
 */
export function forEachProductTile(A: DenseMatrix, B: DenseMatrix, visit: (tile: ProductTile) => void, upperTriangle = false): void {
  if (A.columns !== B.columns) throw new Error(`A has ${A.columns} columns but B has ${B.columns}: A Bᵀ needs equal row lengths`);
  const d = A.columns;
  const useSimd = A.rows * B.rows * d >= MIN_SIMD_WORK && fitsSimdWorkspace(B.rows + CHUNK_ROWS, d);
  const gemm = useSimd ? SimdGemm.create(d) : undefined;
  if (gemm === undefined) {
    forEachProductTileJs(A, B, visit, upperTriangle);
    return;
  }

  const tileRows = Math.max(4, Math.floor(TILE_BYTES / gemm.rowBytes / 4) * 4);
  const chunkRows = Math.min(CHUNK_ROWS, paddedRows(A.rows));
  const b = gemm.allocateRows(B.data, 0, B.rows);
  const a = gemm.allocate(chunkRows * gemm.stride);
  const products = gemm.allocate(chunkRows * tileRows);
  const tile: ProductTile = { values: gemm.heap, offset: products / 8, stride: tileRows, rowStart: 0, rows: 0, columnStart: 0, columns: 0 };

  for (let rowStart = 0; rowStart < A.rows; rowStart += chunkRows) {
    const rows = Math.min(chunkRows, A.rows - rowStart);
    // Rows past `rows` keep the previous chunk's values; their products are computed but never visited.
    gemm.packRows(A.data, rowStart, rows, a);
    tile.rowStart = rowStart;
    tile.rows = rows;
    for (let columnStart = 0; columnStart < B.rows; columnStart += tileRows) {
      const columns = Math.min(tileRows, B.rows - columnStart);
      if (upperTriangle && columnStart + columns <= rowStart) continue;
      gemm.dot(a, roundUp(rows, 2), b + columnStart * gemm.rowBytes, paddedRows(columns), products, tileRows);
      tile.values = gemm.heap;
      tile.columnStart = columnStart;
      tile.columns = columns;
      visit(tile);
    }
  }
}

/** The same tiles from the scalar JavaScript kernel, for engines without WebAssembly SIMD. */
function forEachProductTileJs(A: DenseMatrix, B: DenseMatrix, visit: (tile: ProductTile) => void, upperTriangle: boolean): void {
  const d = A.columns;
  const tileRows = Math.max(4, Math.floor(TILE_BYTES / (8 * d)));
  const chunkRows = Math.min(CHUNK_ROWS, A.rows);
  const values = new Float64Array(chunkRows * tileRows);
  const tile: ProductTile = { values, offset: 0, stride: 0, rowStart: 0, rows: 0, columnStart: 0, columns: 0 };

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

/** out = A Bᵀ, n × m row-major, for A (n × d) and B (m × d). */
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
