import type { DenseMatrix, FeatureMatrix } from './data';
import { SimdGemm, paddedRows, simdGemmEnabled } from './simdGemm';

/**
 * The training side of a k-nearest-neighbour search, prepared once per model so that
 * predict calls copy and measure only their queries:
 *
 * - `rows`, which the float64 ranking pass reads: the model's own X (Euclidean) or a
 *   float64 copy of it with unit rows (cosine);
 * - their squared norms and lengths;
 * - where WebAssembly SIMD runs, `quantized`: every row rounded to 16-bit integers with
 *   its own scale and kept resident in a SimdGemm workspace, for the screening products.
 *
 * Memory: the fit-time copy costs 2 bytes per value for the 16-bit rows (padded to a
 * multiple of 8 columns and 4 rows), 51 MB for 20,000 × 1,280 features. Each row adds 5
 * float64 values, and the query and product buffers about 1 MB. Cosine also keeps the unit
 * rows in float64, 8 bytes per value (205 MB for the same data). The model's X itself is
 * float32 (102 MB) where trainHead got Float32Array rows without transforms, else float64.
 * The WebAssembly memory never shrinks, so it is freed only with the index, when the model
 * is no longer referenced.
 */
export interface NeighborIndex {
  /** model.X.data when the index was built, to detect a replaced training set. */
  source: Float64Array | Float32Array;
  cosine: boolean;
  /** Rows the float64 ranking pass reads: model.X (Euclidean, float32 or float64) or its unit rows in float64 (cosine). */
  rows: FeatureMatrix;
  norms: Float64Array;
  lengths: Float64Array;
  quantized: QuantizedRows | undefined;
  /** A float64 copy of float32 `rows` for the float screening kernels, made on first use (without SIMD). */
  float64Rows: DenseMatrix | undefined;
}

/** Rows x as integers Q in [−levels, levels] with x ≈ scale·Q, each entry within scale / 2. */
export interface QuantizedRows {
  gemm: SimdGemm;
  levels: number;
  /** Byte address of the training rows in gemm's memory, paddedRows(n) rows of gemm.stride int16 values. */
  address: number;
  /** Per training row: its scale and its L1 norm Σ|x_j|. */
  scales: Float64Array;
  l1: Float64Array;
  /** Byte address of the query block, QUERY_BLOCK_ROWS rows of gemm.stride int16 values. */
  queryAddress: number;
  /** Byte address of the product block, QUERY_BLOCK_ROWS × tileRows float64 values. */
  productAddress: number;
  /** Training rows per product tile. */
  tileRows: number;
  /** Byte addresses of copies of the squared norms and the scales, for screenRow. */
  normsAddress: number;
  scalesAddress: number;
}

/** Queries quantized and screened at a time; their candidates are ranked before the next block. */
export const QUERY_BLOCK_ROWS = 256;
/** Bytes of 16-bit training rows per tile: about half of a 1 MB L2 cache, so a tile stays there while the query block meets it. */
const TILE_BYTES = 512 * 1024;
/**
 * Rows with larger entries are screened by the float kernels instead: with every scale in
 * [2^-400, 2^400], no product of two scales and an integer sum overflows or underflows.
 */
export const MAX_QUANTIZED_MAGNITUDE = 2 ** 400;
const MIN_SCALE = 2 ** -400;
const INT32_MAX = 2 ** 31 - 1;

/** Builds the index of X; `cosine` normalises the rows first. */
export function buildNeighborIndex(X: FeatureMatrix, cosine: boolean): NeighborIndex {
  const rows = cosine ? unitRows(X) : X;
  const norms = new Float64Array(rows.rows);
  // The quantizing pass measures the norms too; without SIMD they are measured apart.
  const quantized = simdGemmEnabled() ? quantizeTraining(rows, norms) : undefined;
  if (quantized === undefined) for (let i = 0; i < rows.rows; i++) norms[i] = squaredNorm(rows.data, i * rows.columns, rows.columns);
  return { source: X.data, cosine, rows, norms, lengths: norms.map(Math.sqrt), quantized, float64Rows: undefined };
}

/** Returns the index's rows in float64 for forEachProductTile: the rows themselves, or a copy kept for later calls. */
export function float64RowsOf(index: NeighborIndex): DenseMatrix {
  const { rows } = index;
  if (rows.data instanceof Float64Array) return { rows: rows.rows, columns: rows.columns, data: rows.data };
  index.float64Rows ??= { rows: rows.rows, columns: rows.columns, data: Float64Array.from(rows.data) };
  return index.float64Rows;
}

/** Σ x_j² over one row, summed in the order of dot() in data.ts, so float32 and float64 copies of the same values agree. */
function squaredNorm(data: Float64Array | Float32Array, offset: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += data[offset + j]! * data[offset + j]!;
    s1 += data[offset + j + 1]! * data[offset + j + 1]!;
    s2 += data[offset + j + 2]! * data[offset + j + 2]!;
    s3 += data[offset + j + 3]! * data[offset + j + 3]!;
  }
  for (; j < n; j++) s0 += data[offset + j]! * data[offset + j]!;
  return s0 + s1 + s2 + s3;
}

/**
 * Largest integer level for rows of `stride` int16 values: each of the dot kernel's 4 int32
 * lanes sums stride / 4 products of at most levels², which must stay within 2³¹ − 1.
 */
export function quantizationLevels(stride: number): number {
  return Math.min(32767, Math.floor(Math.sqrt(INT32_MAX / (stride / 4))));
}

/** Quantizes the training rows into a new SimdGemm workspace and measures their squared norms into `norms`. */
function quantizeTraining(train: FeatureMatrix, norms: Float64Array): QuantizedRows | undefined {
  const { rows: n, columns: d, data } = train;
  const gemm = SimdGemm.create(d);
  if (gemm === undefined) return undefined;

  const int16RowBytes = gemm.stride * 2;
  const tileRows = Math.max(4, Math.floor(TILE_BYTES / int16RowBytes / 4) * 4);
  let address: number;
  let queryAddress: number;
  let productAddress: number;
  let normsAddress: number;
  let scalesAddress: number;
  try {
    // allocate counts float64 values: 4 int16 values each.
    address = gemm.allocate((paddedRows(n) * gemm.stride) / 4);
    queryAddress = gemm.allocate((QUERY_BLOCK_ROWS * gemm.stride) / 4);
    // 2 spare values past each array: screenRow reads pairs and may read one past the end.
    productAddress = gemm.allocate(QUERY_BLOCK_ROWS * tileRows + 2);
    normsAddress = gemm.allocate(n + 2);
    scalesAddress = gemm.allocate(n + 2);
  } catch (error) {
    // Too little memory for the 16-bit rows (e.g. a 32-bit browser): the JavaScript kernels need none.
    if (!(error instanceof RangeError)) throw error;
    return undefined;
  }

  const levels = quantizationLevels(gemm.stride);
  const scales = new Float64Array(n);
  const l1 = new Float64Array(n);
  const largest = quantizeRows(data, d, 0, n, gemm.heap16, address / 2, gemm.stride, levels, scales, l1, norms);
  if (largest > MAX_QUANTIZED_MAGNITUDE) return undefined;
  gemm.heap.set(norms, normsAddress / 8);
  gemm.heap.set(scales, scalesAddress / 8);
  return { gemm, levels, address, scales, l1, queryAddress, productAddress, tileRows, normsAddress, scalesAddress };
}

/**
 * Writes rows [firstRow, firstRow + count) of a row-major matrix as integers into `out`
 * (rows `stride` apart from `outOffset`, padding left as it is, zero). Each row's scale and L1
 * norm go to scales[r] and l1[r], r counted from 0. With `norms`, the squared norms go there
 * too, summed exactly as rowSquaredNorms sums them. Returns the largest magnitude; callers
 * discard the output when it exceeds MAX_QUANTIZED_MAGNITUDE.
 */
export function quantizeRows(
  data: Float64Array | Float32Array,
  columns: number,
  firstRow: number,
  count: number,
  out: Int16Array,
  outOffset: number,
  stride: number,
  levels: number,
  scales: Float64Array,
  l1: Float64Array,
  norms?: Float64Array,
): number {
  let largest = 0;
  for (let r = 0; r < count; r++) {
    const from = (firstRow + r) * columns;
    // One pass for the magnitude, the L1 norm and the four partial sums of dot() in data.ts.
    let max = 0;
    let sum = 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < columns; j += 4) {
      const x0 = data[from + j]!;
      const x1 = data[from + j + 1]!;
      const x2 = data[from + j + 2]!;
      const x3 = data[from + j + 3]!;
      s0 += x0 * x0;
      s1 += x1 * x1;
      s2 += x2 * x2;
      s3 += x3 * x3;
      const a0 = Math.abs(x0);
      const a1 = Math.abs(x1);
      const a2 = Math.abs(x2);
      const a3 = Math.abs(x3);
      sum += a0 + a1 + a2 + a3;
      max = Math.max(max, a0, a1, a2, a3);
    }
    for (; j < columns; j++) {
      const x = data[from + j]!;
      s0 += x * x;
      sum += Math.abs(x);
      max = Math.max(max, Math.abs(x));
    }
    if (norms !== undefined) norms[r] = s0 + s1 + s2 + s3;
    largest = Math.max(largest, max);

    // max / scale ≤ levels, and x·inverse is within 2 roundings of x / scale, so every value rounds into [−levels, levels].
    const scale = Math.max(max / levels, MIN_SCALE);
    const inverse = 1 / scale;
    const to = outOffset + r * stride;
    // floor(v + 0.5) rounds to nearest (3× faster than Math.round in V8); the addition's rounding moves it by at most u·|v| more.
    for (let k = 0; k < columns; k++) out[to + k] = Math.floor(data[from + k]! * inverse + 0.5);
    scales[r] = scale;
    l1[r] = sum;
  }
  return largest;
}

export function maxAbs(values: Float64Array | Float32Array): number {
  let max = 0;
  for (let k = 0; k < values.length; k++) {
    const a = Math.abs(values[k]!);
    if (a > max) max = a;
  }
  return max;
}

/**
 * Copy of X with each row divided by its L2 norm, so cosine similarity is a plain dot
 * product. Zero rows stay zero, so their cosine distance is 1, as in scikit-learn.
 */
export function unitRows(X: FeatureMatrix): DenseMatrix {
  const { rows, columns } = X;
  const out: DenseMatrix = { rows, columns, data: new Float64Array(rows * columns) };
  for (let i = 0; i < rows; i++) {
    const scale = 1 / (Math.sqrt(squaredNorm(X.data, i * columns, columns)) || 1);
    for (let j = 0; j < columns; j++) out.data[i * columns + j] = X.data[i * columns + j]! * scale;
  }
  return out;
}
