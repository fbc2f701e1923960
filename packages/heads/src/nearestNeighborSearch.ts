import type { DenseMatrix } from './data';
import { rowSquaredNorms } from './kernels';
import { forEachProductTile } from './productTiles';

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
 * 1. Screening: the query × train products come tile by tile, in float32 where the SIMD
 *    kernels run (twice the speed of float64), each with an error bound, which gives every
 *    pair an interval [lower, upper] around its float64 distance. Per query, a max-heap
 *    keeps the k smallest upper ends, and a pair becomes a candidate when its lower end
 *    is at most the heap's maximum at that time.
 * 2. Ranking: after a chunk of queries, the candidates whose lower end is at most the
 *    final k-th smallest upper end are measured in float64 and the k nearest kept,
 *    ordered by distance and then training index.
 *
 * A true neighbour's distance is at most the k-th smallest upper end, so it always
 * survives the screen: the result equals a float64 brute force whose products sum even
 * and odd columns separately, as the float64 SIMD kernel does. The candidates are about
 * k·ln(m/k) per query on typical data, but up to all m when many distances are equal
 * within the bound (duplicated training rows), which is correct but slower.
 *
 * Distances are √(‖q‖² + ‖x‖² − 2q·x), or 1 − q̂·x̂ clipped to [0, 2] for `cosine` with
 * the rows normalised by the caller (pass `cosine = true` and unit rows).
 */
export function kNearestNeighbors(queries: DenseMatrix, train: DenseMatrix, k: number, cosine: boolean): NeighborList {
  const d = queries.columns;
  const queryNorms = rowSquaredNorms(queries);
  const trainNorms = rowSquaredNorms(train);
  const queryLengths = queryNorms.map(Math.sqrt);
  const trainLengths = trainNorms.map(Math.sqrt);
  // The float64 products of the ranking pass err by at most γ of their even/odd lane sums.
  // The factor 1 + 1e-9 below absorbs the rounding of the norms' square roots.
  const rankingError = ((Math.ceil(d / 2) + 3) * FLOAT64_UNIT_ROUNDOFF) / (1 - (Math.ceil(d / 2) + 3) * FLOAT64_UNIT_ROUNDOFF);
  const screen = new CandidateScreen(queries.rows, k);
  const result: NeighborList = {
    indices: new Int32Array(queries.rows * k),
    distances: new Float64Array(queries.rows * k),
    counts: new Int32Array(queries.rows),
  };
  // Screening compares clamped keys (squared distances for Euclidean): the same order as the distances, without a square root per pair.
  const clampKey = cosine ? (key: number) => Math.min(Math.max(key, 0), 2) : (key: number) => Math.max(key, 0);
  const toDistance = cosine ? clampKey : (key: number) => Math.sqrt(Math.max(key, 0));

  const rankChunk = (first: number, end: number): void => {
    for (let q = first; q < end; q++) {
      const threshold = screen.threshold(q);
      const ranked: [number, number][] = [];
      for (const [j, lower] of screen.candidates(q)) {
        if (lower > threshold) continue;
        const product = evenOddDot(queries.data, q * d, train.data, j * d, d);
        const key = cosine ? 1 - product : queryNorms[q]! + trainNorms[j]! - 2 * product;
        // Ranked by the distance itself: two keys one rounding apart can share a square root, and then the index decides.
        ranked.push([toDistance(key), j]);
      }
      ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const count = Math.min(k, ranked.length);
      for (let t = 0; t < count; t++) {
        result.distances[q * k + t] = ranked[t]![0];
        result.indices[q * k + t] = ranked[t]![1];
      }
      result.counts[q] = count;
      screen.clear(q);
    }
  };

  let chunkStart = 0;
  forEachProductTile(
    queries,
    train,
    (tile) => {
      const { values, offset, stride, rowStart, rows, columnStart, columns, relativeError, absoluteError } = tile;
      // A new row chunk: the previous chunk has met every training row, so rank it and free its candidates.
      if (rowStart !== chunkStart) {
        rankChunk(chunkStart, rowStart);
        chunkStart = rowStart;
      }
      const productError = (relativeError + rankingError) * (1 + 1e-9);
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
          let key: number;
          let slack: number;
          if (cosine) {
            key = 1 - product;
            slack = bound + 8 * FLOAT64_UNIT_ROUNDOFF * 3;
          } else {
            key = queryNorm + trainNorms[j]! - 2 * product;
            slack = 2 * bound + 8 * FLOAT64_UNIT_ROUNDOFF * (queryNorm + trainNorms[j]! + 1);
          }
          const lower = clampKey(key - slack);
          if (lower > threshold) continue;
          threshold = screen.offer(q, j, lower, clampKey(key + slack));
        }
      }
    },
    { float32: true },
  );
  rankChunk(chunkStart, queries.rows);
  return result;
}

/** Σ_j a_j b_j summed as the float64 SIMD kernel sums it: even and odd columns apart, then added. */
function evenOddDot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, d: number): number {
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

/** Per query: a max-heap of the k smallest upper bounds seen so far, and the candidate rows. */
class CandidateScreen {
  private readonly upper: Float64Array;
  private readonly count: Int32Array;
  private readonly rows: number[][];
  private readonly lowers: number[][];

  constructor(
    nQueries: number,
    private readonly k: number,
  ) {
    this.upper = new Float64Array(nQueries * k);
    this.count = new Int32Array(nQueries);
    this.rows = Array.from({ length: nQueries }, () => []);
    this.lowers = Array.from({ length: nQueries }, () => []);
  }

  /** Returns the k-th smallest upper bound so far (+∞ before k rows were offered). */
  threshold(q: number): number {
    return this.count[q]! < this.k ? Infinity : this.upper[q * this.k]!;
  }

  /** Records training row j with distance in [lower, upper] for query q and returns the new threshold. */
  offer(q: number, j: number, lower: number, upper: number): number {
    if (lower > this.threshold(q)) return this.threshold(q);
    this.rows[q]!.push(j);
    this.lowers[q]!.push(lower);

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

  /** Query q's candidates as [training row, lower bound] pairs, in the order offered. */
  *candidates(q: number): Generator<[number, number]> {
    const rows = this.rows[q]!;
    const lowers = this.lowers[q]!;
    for (let t = 0; t < rows.length; t++) yield [rows[t]!, lowers[t]!];
  }

  /** Frees query q's candidate lists. */
  clear(q: number): void {
    this.rows[q] = [];
    this.lowers[q] = [];
  }
}
