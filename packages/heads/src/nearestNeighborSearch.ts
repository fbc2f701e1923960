import type { DenseMatrix } from './data';
import { rowSquaredNorms } from './kernels';
import { MAX_QUANTIZED_MAGNITUDE, type NeighborIndex, QUERY_BLOCK_ROWS, type QuantizedRows, float64RowsOf, maxAbs, quantizeRows } from './neighborIndex';
import { forEachProductTile } from './productTiles';
import { type SimdGemm, paddedRows, roundUp, simdGemmEnabled } from './simdGemm';

/** Nearest training rows of each query: row i of `indices` and `distances` (k wide) contains counts[i] neighbours, nearest first. */
export interface NeighborList {
  indices: Int32Array;
  distances: Float64Array;
  counts: Int32Array;
}

const FLOAT64_UNIT_ROUNDOFF = 2 ** -53;

/**
 * Exact brute-force k-nearest-neighbour search in two passes, so the full distance
 * matrix never exists:
 *
 * 1. Screening: the query × train products come tile by tile, each with an error bound,
 *    which gives every pair an interval [lower, upper] around its float64 distance.
 *    Where WebAssembly SIMD runs, the products are exact integer dot products of the rows
 *    rounded to 16 bits (see neighborIndex.ts), at about twice the float32 kernel's rate.
 *    Elsewhere they come from forEachProductTile. Per query, a max-heap keeps the k
 *    smallest upper ends, and a pair becomes a candidate when its lower end is at most
 *    the heap's maximum at that time.
 * 2. Ranking: after a block of queries, the candidates whose lower end is at most the
 *    final k-th smallest upper end are measured in float64 and the k nearest kept,
 *    ordered by distance and then training index.
 *
 * A true neighbour's distance is at most the k-th smallest upper end, so it always
 * survives the screen: the result equals a float64 brute force whose products sum even
 * and odd columns separately, as the float64 SIMD kernel does. The candidates are about
 * k·ln(m/k) per query on typical data, but up to all m when many distances are equal
 * within the bound (duplicated training rows), which is correct but slower.
 *
 * Distances are √(‖q‖² + ‖x‖² − 2q·x), or 1 − q̂·x̂ clipped to [0, 2] for a cosine
 * index with the query rows normalised by the caller.
 */
export function kNearestNeighbors(queries: DenseMatrix, index: NeighborIndex, k: number): NeighborList {
  if (queries.columns !== index.rows.columns) {
    throw new Error(`queries have ${queries.columns} features but the k-NN training rows have ${index.rows.columns}: pass features from the same extractor`);
  }
  const d = queries.columns;
  const queryNorms = rowSquaredNorms(queries);
  // The float64 products of the ranking pass err by at most γ of their even/odd lane sums.
  const rankingError = ((Math.ceil(d / 2) + 3) * FLOAT64_UNIT_ROUNDOFF) / (1 - (Math.ceil(d / 2) + 3) * FLOAT64_UNIT_ROUNDOFF);
  const search: Search = {
    queries,
    index,
    k,
    queryNorms,
    queryLengths: queryNorms.map(Math.sqrt),
    // The factor 1 + 1e-9 absorbs the rounding of the norms' square roots.
    rankingError: rankingError * (1 + 1e-9),
    screen: new CandidateScreen(queries.rows, k),
    best: new TopK(k),
    result: {
      indices: new Int32Array(queries.rows * k),
      distances: new Float64Array(queries.rows * k),
      counts: new Int32Array(queries.rows),
    },
  };

  const quantized = index.quantized;
  if (quantized !== undefined && simdGemmEnabled() && maxAbs(queries.data) <= MAX_QUANTIZED_MAGNITUDE) screenQuantized(search, quantized);
  else screenTiles(search);
  return search.result;
}

interface Search {
  queries: DenseMatrix;
  index: NeighborIndex;
  k: number;
  queryNorms: Float64Array;
  queryLengths: Float64Array;
  rankingError: number;
  screen: CandidateScreen;
  best: TopK;
  result: NeighborList;
}

/**
 * Screens with the index's 16-bit rows. For x ≈ s_x·Q_x and q ≈ s_q·Q_q, each entry within
 * h = s/2, the product p̃ = s_q·s_x·(Q_q·Q_x) has
 * |q·x − p̃| ≤ ‖q‖₁ h_x + ‖x‖₁ h_q + d h_q h_x, plus the rounding of s_q·s_x·(Q_q·Q_x).
 */
function screenQuantized(search: Search, quantized: QuantizedRows): void {
  const { queries, index, screen, queryNorms, queryLengths, rankingError } = search;
  const { gemm, levels, scales, l1, address, queryAddress, productAddress, tileRows } = quantized;
  const { norms: trainNorms, lengths: trainLengths, cosine } = index;
  const n = index.rows.rows;
  const d = queries.columns;
  const rowBytes = gemm.stride * 2;
  const queryScales = new Float64Array(QUERY_BLOCK_ROWS);
  const queryL1 = new Float64Array(QUERY_BLOCK_ROWS);
  // d h_q h_x, with room for the two roundings of s_q·s_x·I (|I| ≤ d·levels², each rounding ≤ 2⁻⁵³ of it).
  const cross = d * (1 + levels * levels * 2 ** -48);
  const boundFactor = 1 + 1e-6; // rounding of the L1 norms, the scales' halves and x·(1/s) against x/s
  let maxTrainScale = 0;
  let maxTrainL1 = 0;
  let maxTrainNorm = 0;
  let maxTrainLength = 0;
  for (let j = 0; j < n; j++) {
    maxTrainScale = Math.max(maxTrainScale, scales[j]!);
    maxTrainL1 = Math.max(maxTrainL1, l1[j]!);
    maxTrainNorm = Math.max(maxTrainNorm, trainNorms[j]!);
    maxTrainLength = Math.max(maxTrainLength, trainLengths[j]!);
  }

  // One object, updated per query row, so the row screens allocate nothing.
  const pair: PairBound = { queryL1Norm: 0, queryHalf: 0, queryLength: 0, boundFactor, cross, rankingError, l1, scales, trainLengths };

  for (let rowStart = 0; rowStart < queries.rows; rowStart += QUERY_BLOCK_ROWS) {
    const rows = Math.min(QUERY_BLOCK_ROWS, queries.rows - rowStart);
    // Rows past `rows` keep the previous block's values; their products are computed but never read.
    quantizeRows(queries.data, d, rowStart, rows, gemm.heap16, queryAddress / 2, gemm.stride, levels, queryScales, queryL1);

    for (let columnStart = 0; columnStart < n; columnStart += tileRows) {
      const columns = Math.min(tileRows, n - columnStart);
      gemm.dotInt16(queryAddress, roundUp(rows, 2), address + columnStart * rowBytes, paddedRows(columns), productAddress, tileRows);
      const values = gemm.heap;

      for (let r = 0; r < rows; r++) {
        const q = rowStart + r;
        const base = productAddress / 8 + r * tileRows;
        const queryNorm = queryNorms[q]!;
        const queryLength = queryLengths[q]!;
        const queryScale = queryScales[r]!;
        const queryHalf = queryScale / 2;
        const queryL1Norm = queryL1[r]!;
        // The largest slack of any training row: screenRow drops the pairs whose key minus it exceeds
        // the threshold, and only the rest get their own, tighter slack.
        const maxBound = boundFactor * (queryL1Norm * (maxTrainScale / 2) + maxTrainL1 * queryHalf + cross * queryHalf * (maxTrainScale / 2)) + rankingError * queryLength * maxTrainLength;
        pair.queryL1Norm = queryL1Norm;
        pair.queryHalf = queryHalf;
        pair.queryLength = queryLength;
        const products = productAddress + r * tileRows * 8;
        if (cosine) {
          const maxSlack = maxBound * (1 + 2 ** -40) + 24 * FLOAT64_UNIT_ROUNDOFF;
          screenCosineRow(screen, q, values, base, columnStart, columns, queryScale, scales, maxSlack, pair, gemm, products, quantized);
        } else {
          const maxSlack = 2 * maxBound * (1 + 2 ** -40) + 8 * FLOAT64_UNIT_ROUNDOFF * (queryNorm + maxTrainNorm + 1);
          screenEuclideanRow(screen, q, values, base, columnStart, columns, queryNorm, queryScale, scales, trainNorms, maxSlack, pair, gemm, products, quantized);
        }
      }
    }
    rankBlock(search, rowStart, rowStart + rows);
  }
}

/** Query-side terms and training-row arrays of a pair's own product bound. */
interface PairBound {
  queryL1Norm: number;
  queryHalf: number;
  queryLength: number;
  boundFactor: number;
  cross: number;
  rankingError: number;
  l1: Float64Array;
  scales: Float64Array;
  trainLengths: Float64Array;
}

/** Bound on |p̃ − the ranking pass's product| for training row j (see screenQuantized). */
function pairBound(p: PairBound, j: number): number {
  const half = p.scales[j]! / 2;
  return p.boundFactor * (p.queryL1Norm * half + p.l1[j]! * p.queryHalf + p.cross * p.queryHalf * half) + p.rankingError * p.queryLength * p.trainLengths[j]!;
}

/**
 * Limit for screenRow: keys above it have key − maxSlack > threshold with room for the rounding
 * of the sum, so skipping them skips only pairs that the exact test below rejects too.
 */
function screenLimit(threshold: number, maxSlack: number): number {
  return (threshold + maxSlack) * (1 + 2 ** -40);
}

/** Offers the Euclidean candidates of one query's row of integer products. */
function screenEuclideanRow(
  screen: CandidateScreen,
  q: number,
  values: Float64Array,
  base: number,
  columnStart: number,
  columns: number,
  queryNorm: number,
  queryScale: number,
  scales: Float64Array,
  trainNorms: Float64Array,
  maxSlack: number,
  pair: PairBound,
  gemm: SimdGemm,
  products: number,
  quantized: QuantizedRows,
): void {
  const twiceQueryScale = 2 * queryScale;
  const normsAddress = quantized.normsAddress + columnStart * 8;
  const scalesAddress = quantized.scalesAddress + columnStart * 8;
  let threshold = screen.threshold(q);
  for (let c = 0; c < columns; c++) {
    c = gemm.screenRow(products, normsAddress, scalesAddress, c, columns, queryNorm, 1, twiceQueryScale, screenLimit(threshold, maxSlack));
    if (c >= columns) break;
    const j = columnStart + c;
    const key = queryNorm + trainNorms[j]! - twiceQueryScale * scales[j]! * values[base + c]!;
    // Key rounding: the sums and the product p̃ (|2p̃| ≤ ‖q‖² + ‖x‖² + 2·bound) add at most
    // 8u·(‖q‖² + ‖x‖² + 1) + 2⁻⁴⁰ of the bound.
    const slack = 2 * pairBound(pair, j) * (1 + 2 ** -40) + 8 * FLOAT64_UNIT_ROUNDOFF * (queryNorm + trainNorms[j]! + 1);
    threshold = screen.offer(q, j, Math.max(key - slack, 0), Math.max(key + slack, 0));
  }
}

/** Offers the cosine candidates of one query's row of integer products. */
function screenCosineRow(
  screen: CandidateScreen,
  q: number,
  values: Float64Array,
  base: number,
  columnStart: number,
  columns: number,
  queryScale: number,
  scales: Float64Array,
  maxSlack: number,
  pair: PairBound,
  gemm: SimdGemm,
  products: number,
  quantized: QuantizedRows,
): void {
  const normsAddress = quantized.normsAddress + columnStart * 8;
  const scalesAddress = quantized.scalesAddress + columnStart * 8;
  let threshold = screen.threshold(q);
  for (let c = 0; c < columns; c++) {
    // Distances are clamped to 2, so at a threshold of 2 a key above it still ties and nothing is skipped.
    const limit = threshold < 2 ? screenLimit(threshold, maxSlack) : Infinity;
    // Weight 0 drops the norms: the key is 1 − (scale_q·scale_x)·product, rounded as below.
    c = gemm.screenRow(products, normsAddress, scalesAddress, c, columns, 1, 0, queryScale, limit);
    if (c >= columns) break;
    const j = columnStart + c;
    const key = 1 - queryScale * scales[j]! * values[base + c]!;
    // Key rounding: 1 − p̃ adds at most 3 units of 1 + bound, inside the 2⁻⁴⁰ and 24u margins.
    const slack = pairBound(pair, j) * (1 + 2 ** -40) + 24 * FLOAT64_UNIT_ROUNDOFF;
    threshold = screen.offer(q, j, clampCosine(key - slack), clampCosine(key + slack));
  }
}

/** Screens with forEachProductTile's float32 (SIMD) or float64 (JavaScript) products and their error bounds. */
function screenTiles(search: Search): void {
  const { queries, index, screen, queryNorms, queryLengths, rankingError } = search;
  const { norms: trainNorms, lengths: trainLengths, cosine } = index;
  let blockStart = 0;
  forEachProductTile(
    queries,
    float64RowsOf(index),
    (tile) => {
      const { values, offset, stride, rowStart, rows, columnStart, columns, relativeError, absoluteError } = tile;
      // A new row block: the previous block has met every training row, so rank it and free its candidates.
      if (rowStart !== blockStart) {
        rankBlock(search, blockStart, rowStart);
        blockStart = rowStart;
      }
      const productError = relativeError * (1 + 1e-9) + rankingError;
      for (let r = 0; r < rows; r++) {
        const q = rowStart + r;
        const base = offset + r * stride;
        const queryNorm = queryNorms[q]!;
        const queryLength = queryLengths[q]!;
        // Most pairs fail the screen, so the threshold is kept here and the offer call made only for the rest.
        let threshold = screen.threshold(q);
        for (let c = 0; c < columns; c++) {
          const j = columnStart + c;
          const product = values[base + c]!;
          // Bound on |this product − the ranking pass's product|, then on the keys, whose own float64
          // rounding (two operations on each side) adds at most 8u·(‖q‖² + ‖x‖² + 1).
          const bound = productError * queryLength * trainLengths[j]! + 2 * absoluteError;
          if (cosine) {
            const key = 1 - product;
            const slack = bound + 8 * FLOAT64_UNIT_ROUNDOFF * 3;
            const lower = clampCosine(key - slack);
            if (lower > threshold) continue;
            threshold = screen.offer(q, j, lower, clampCosine(key + slack));
          } else {
            const key = queryNorm + trainNorms[j]! - 2 * product;
            const slack = 2 * bound + 8 * FLOAT64_UNIT_ROUNDOFF * (queryNorm + trainNorms[j]! + 1);
            const lower = Math.max(key - slack, 0);
            if (lower > threshold) continue;
            threshold = screen.offer(q, j, lower, Math.max(key + slack, 0));
          }
        }
      }
    },
    { float32: true },
  );
  rankBlock(search, blockStart, queries.rows);
}

/** Screening keys are clamped as the distances are: squared distances at 0, cosine distances to [0, 2]. */
function clampCosine(key: number): number {
  return Math.min(Math.max(key, 0), 2);
}

/** Measures the surviving candidates of queries [first, end) in float64, keeps the k nearest and frees all candidates. */
function rankBlock(search: Search, first: number, end: number): void {
  const { queries, index, k, queryNorms, screen, best, result } = search;
  const { rows: train, norms: trainNorms, cosine } = index;
  const d = queries.columns;
  const { rows: candidateRows, lowers: candidateLowers, next } = screen;
  for (let q = first; q < end; q++) {
    const threshold = screen.threshold(q);
    best.clear();
    for (let t = screen.head[q]!; t >= 0; t = next[t]!) {
      if (candidateLowers[t]! > threshold) continue;
      const j = candidateRows[t]!;
      const product = evenOddDot(queries.data, q * d, train.data, j * d, d);
      // Ranked by the distance itself: two keys one rounding apart can share a square root, and then the index decides.
      const distance = cosine ? clampCosine(1 - product) : Math.sqrt(Math.max(queryNorms[q]! + trainNorms[j]! - 2 * product, 0));
      best.insert(distance, j);
    }
    for (let t = 0; t < best.count; t++) {
      result.distances[q * k + t] = best.distances[t]!;
      result.indices[q * k + t] = best.indices[t]!;
    }
    result.counts[q] = best.count;
  }
  screen.clearCandidates();
}

/** Σ_j a_j b_j summed as the float64 SIMD kernel sums it: even and odd columns apart, then added. */
function evenOddDot(a: Float64Array, aOffset: number, b: Float64Array | Float32Array, bOffset: number, d: number): number {
  let even = 0;
  let odd = 0;
  let j = 0;
  for (; j + 1 < d; j += 2) {
    even += a[aOffset + j]! * b[bOffset + j]!;
    odd += a[aOffset + j + 1]! * b[bOffset + j + 1]!;
  }
  if (j < d) even += a[aOffset + j]! * b[bOffset + j]!;
  return even + odd;
}

/** The k smallest (distance, index) pairs seen, in increasing order of distance and then index. */
class TopK {
  readonly distances: Float64Array;
  readonly indices: Int32Array;
  count = 0;

  constructor(private readonly k: number) {
    this.distances = new Float64Array(k);
    this.indices = new Int32Array(k);
  }

  clear(): void {
    this.count = 0;
  }

  insert(distance: number, index: number): void {
    const { distances, indices, k } = this;
    let p = this.count;
    if (p === k) {
      const last = k - 1;
      if (distance > distances[last]! || (distance === distances[last]! && index > indices[last]!)) return;
      p = last;
    } else {
      this.count = p + 1;
    }
    // Shift larger pairs one place right, then place the new one.
    while (p > 0 && (distances[p - 1]! > distance || (distances[p - 1]! === distance && indices[p - 1]! > index))) {
      distances[p] = distances[p - 1]!;
      indices[p] = indices[p - 1]!;
      p--;
    }
    distances[p] = distance;
    indices[p] = index;
  }
}

/**
 * Screening state per query: a max-heap of the k smallest upper bounds seen so far, and the
 * candidate rows as a linked list in shared typed arrays. The arrays grow by doubling and are
 * reused after each block, so screening allocates nothing in steady state.
 */
class CandidateScreen {
  private readonly upper: Float64Array;
  private readonly count: Int32Array;
  /** Per query: its first and last candidate slot, −1 when it has none. */
  readonly head: Int32Array;
  private readonly tail: Int32Array;
  rows: Int32Array;
  lowers: Float64Array;
  next: Int32Array;
  private used = 0;

  constructor(
    nQueries: number,
    private readonly k: number,
  ) {
    this.upper = new Float64Array(nQueries * k);
    this.count = new Int32Array(nQueries);
    this.head = new Int32Array(nQueries).fill(-1);
    this.tail = new Int32Array(nQueries).fill(-1);
    const capacity = 1024;
    this.rows = new Int32Array(capacity);
    this.lowers = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
  }

  /** Returns the k-th smallest upper bound so far (+∞ before k rows were offered). */
  threshold(q: number): number {
    return this.count[q]! < this.k ? Infinity : this.upper[q * this.k]!;
  }

  /** Records training row j with distance in [lower, upper] for query q and returns the new threshold. */
  offer(q: number, j: number, lower: number, upper: number): number {
    if (lower > this.threshold(q)) return this.threshold(q);
    this.append(q, j, lower);

    const { k } = this;
    const heap = this.upper;
    const base = q * k;
    const count = this.count[q]!;
    if (count < k) {
      let p = count;
      while (p > 0) {
        const parent = (p - 1) >> 1;
        if (heap[base + parent]! >= upper) break;
        heap[base + p] = heap[base + parent]!;
        p = parent;
      }
      heap[base + p] = upper;
      this.count[q] = count + 1;
      return this.threshold(q);
    }
    if (!(upper < heap[base]!)) return heap[base]!;
    let p = 0;
    for (;;) {
      let child = 2 * p + 1;
      if (child >= k) break;
      if (child + 1 < k && heap[base + child + 1]! > heap[base + child]!) child++;
      if (heap[base + child]! <= upper) break;
      heap[base + p] = heap[base + child]!;
      p = child;
    }
    heap[base + p] = upper;
    return heap[base]!;
  }

  private append(q: number, j: number, lower: number): void {
    if (this.used === this.rows.length) this.grow();
    const slot = this.used++;
    this.rows[slot] = j;
    this.lowers[slot] = lower;
    this.next[slot] = -1;
    if (this.head[q] === -1) this.head[q] = slot;
    else this.next[this.tail[q]!] = slot;
    this.tail[q] = slot;
  }

  private grow(): void {
    const capacity = 2 * this.rows.length;
    const rows = new Int32Array(capacity);
    const lowers = new Float64Array(capacity);
    const next = new Int32Array(capacity);
    rows.set(this.rows);
    lowers.set(this.lowers);
    next.set(this.next);
    this.rows = rows;
    this.lowers = lowers;
    this.next = next;
  }

  /** Frees every candidate slot; called when all queries holding candidates have been ranked. */
  clearCandidates(): void {
    this.used = 0;
    this.head.fill(-1);
  }
}
