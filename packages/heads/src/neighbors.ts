import { type DenseMatrix, createDenseMatrix } from './data';
import { rowSquaredNorms } from './kernels';
import { forEachProductTile, multiplyABt } from './productTiles';

export type NeighborMetric = 'euclidean' | 'cosine';
export type NeighborWeights = 'uniform' | 'distance';

/** Pairwise distances, n × m: Euclidean √(‖a‖² + ‖b‖² − 2a·b) or cosine 1 − a·b / (‖a‖‖b‖), as scikit-learn. */
export function pairwiseDistances(A: DenseMatrix, B: DenseMatrix, metric: NeighborMetric): DenseMatrix {
  const out = createDenseMatrix(A.rows, B.rows);
  if (metric === 'cosine') {
    multiplyABt(unitRows(A), unitRows(B), out.data);
    for (let k = 0; k < out.data.length; k++) out.data[k] = cosineDistance(out.data[k]!);
    return out;
  }

  const aNorms = rowSquaredNorms(A);
  const bNorms = rowSquaredNorms(B);
  multiplyABt(A, B, out.data);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.rows; j++) out.data[i * B.rows + j] = euclideanDistance(aNorms[i]!, bNorms[j]!, out.data[i * B.rows + j]!);
  }
  return out;
}

function euclideanDistance(aNorm: number, bNorm: number, product: number): number {
  // max(·, 0) removes tiny negative squares left by cancellation in ‖a‖² + ‖b‖² − 2a·b.
  return Math.sqrt(Math.max(aNorm + bNorm - 2 * product, 0));
}

/** 1 − â·b̂ for unit rows, clipped to [0, 2] as scikit-learn clips rounding errors. */
function cosineDistance(unitProduct: number): number {
  return Math.min(Math.max(1 - unitProduct, 0), 2);
}

/**
 * Copy of X with each row divided by its L2 norm, so cosine similarity is a plain dot
 * product. Zero rows stay zero, so their cosine distance is 1, as in scikit-learn.
 */
function unitRows(X: DenseMatrix): DenseMatrix {
  const out = createDenseMatrix(X.rows, X.columns);
  const norms = rowSquaredNorms(X);
  for (let i = 0; i < X.rows; i++) {
    const scale = 1 / (Math.sqrt(norms[i]!) || 1);
    for (let j = 0; j < X.columns; j++) out.data[i * X.columns + j] = X.data[i * X.columns + j]! * scale;
  }
  return out;
}

export interface KnnModel {
  nNeighbors: number;
  metric: NeighborMetric;
  weights: NeighborWeights;
  nClasses: number;
  /** Training features after transforms, n × nFeatures row-major. */
  X: DenseMatrix;
  y: Int32Array;
}

/**
 * k-nearest-neighbour class probabilities as scikit-learn's KNeighborsClassifier
 * (brute force): each of the k nearest training samples votes with weight 1
 * ('uniform') or 1/distance ('distance', where samples at distance 0 take all the
 * weight). Equal distances are broken by the lower training index.
 */
export function knnPredictProba(model: KnnModel, X: DenseMatrix): DenseMatrix {
  const { nNeighbors: k, nClasses, y } = model;
  const { indices, distances, counts } = kNearestNeighbors(model, X);
  const out = createDenseMatrix(X.rows, nClasses);

  for (let i = 0; i < X.rows; i++) {
    const row = i * nClasses;
    const first = i * k;
    const hasExactMatch = model.weights === 'distance' && distances[first] === 0;
    for (let t = first; t < first + counts[i]!; t++) {
      let w = 1;
      if (model.weights === 'distance' && hasExactMatch) {
        w = distances[t] === 0 ? 1 : 0;
      } else if (model.weights === 'distance') {
        w = 1 / distances[t]!;
      }
      out.data[row + y[indices[t]!]!]! += w;
    }
    let total = 0;
    for (let c = 0; c < nClasses; c++) total += out.data[row + c]!;
    for (let c = 0; c < nClasses; c++) out.data[row + c]! /= total;
  }
  return out;
}

/** Nearest training rows of each query: row i of `indices` and `distances` (k wide) holds counts[i] neighbours, nearest first. */
export interface NeighborList {
  indices: Int32Array;
  distances: Float64Array;
  counts: Int32Array;
}

/**
 * The k nearest training rows of every query, found by streaming the query × train
 * product tiles (‖q‖² + ‖x‖² − 2q·x, or 1 − q̂·x̂ for cosine on pre-normalised rows)
 * through one max-heap of k entries per query, so the full distance matrix never exists.
 */
export function kNearestNeighbors(model: KnnModel, X: DenseMatrix): NeighborList {
  const k = model.nNeighbors;
  const heaps = new NeighborHeaps(X.rows, k);

  if (model.metric === 'cosine') {
    forEachProductTile(unitRows(X), unitRows(model.X), (tile) => {
      const { values, offset, stride, rowStart, rows, columnStart, columns } = tile;
      for (let r = 0; r < rows; r++) {
        const base = offset + r * stride;
        for (let c = 0; c < columns; c++) heaps.offer(rowStart + r, cosineDistance(values[base + c]!), columnStart + c);
      }
    });
    return heaps.sorted();
  }

  const queryNorms = rowSquaredNorms(X);
  const trainNorms = rowSquaredNorms(model.X);
  forEachProductTile(X, model.X, (tile) => {
    const { values, offset, stride, rowStart, rows, columnStart, columns } = tile;
    for (let r = 0; r < rows; r++) {
      const base = offset + r * stride;
      const queryNorm = queryNorms[rowStart + r]!;
      for (let c = 0; c < columns; c++) {
        heaps.offer(rowStart + r, euclideanDistance(queryNorm, trainNorms[columnStart + c]!, values[base + c]!), columnStart + c);
      }
    }
  });
  return heaps.sorted();
}

/**
 * One max-heap of at most k (distance, training index) pairs per query, ordered by
 * distance and then index, so among equal distances the lower index is kept.
 */
class NeighborHeaps {
  private readonly distance: Float64Array;
  private readonly index: Int32Array;
  private readonly count: Int32Array;

  constructor(
    nQueries: number,
    private readonly k: number,
  ) {
    this.distance = new Float64Array(nQueries * k);
    this.index = new Int32Array(nQueries * k);
    this.count = new Int32Array(nQueries);
  }

  /** Adds training row j at `dist` to query q's heap if it is among the k nearest so far; j must grow per query. */
  offer(q: number, dist: number, j: number): void {
    const { k, distance, index } = this;
    const base = q * k;
    const count = this.count[q]!;

    if (count < k) {
      // Sift up from the new leaf.
      let p = count;
      while (p > 0) {
        const parent = (p - 1) >> 1;
        // j is later than every kept index, so on equal distance it counts as farther and rises above its parent.
        if (distance[base + parent]! > dist) break;
        distance[base + p] = distance[base + parent]!;
        index[base + p] = index[base + parent]!;
        p = parent;
      }
      distance[base + p] = dist;
      index[base + p] = j;
      this.count[q] = count + 1;
      return;
    }

    // The root is the farthest kept neighbour; j is later than every kept index, so a tie does not replace it.
    if (!(dist < distance[base]!)) return;
    let p = 0;
    for (;;) {
      let child = 2 * p + 1;
      if (child >= k) break;
      if (child + 1 < k && isFarther(distance[base + child + 1]!, index[base + child + 1]!, distance[base + child]!, index[base + child]!)) child++;
      if (!isFarther(distance[base + child]!, index[base + child]!, dist, j)) break;
      distance[base + p] = distance[base + child]!;
      index[base + p] = index[base + child]!;
      p = child;
    }
    distance[base + p] = dist;
    index[base + p] = j;
  }

  /** Every query's neighbours sorted by distance, then index. */
  sorted(): NeighborList {
    const { k, distance, index, count } = this;
    const order: number[] = [];
    for (let q = 0; q < count.length; q++) {
      const base = q * k;
      order.length = 0;
      for (let t = 0; t < count[q]!; t++) order.push(base + t);
      order.sort((a, b) => distance[a]! - distance[b]! || index[a]! - index[b]!);
      const sortedIndex = Int32Array.from(order, (t) => index[t]!);
      const sortedDistance = Float64Array.from(order, (t) => distance[t]!);
      index.set(sortedIndex, base);
      distance.set(sortedDistance, base);
    }
    return { indices: index, distances: distance, counts: count };
  }
}

/** Whether (d1, i1) comes after (d2, i2) in the order by distance, then index. */
function isFarther(d1: number, i1: number, d2: number, i2: number): boolean {
  return d1 > d2 || (d1 === d2 && i1 > i2);
}

export interface NearestCentroidModel {
  metric: NeighborMetric;
  /** nClasses × nFeatures row-major class means. */
  centroids: DenseMatrix;
}

/** Class means of the training features, as scikit-learn's NearestCentroid (no shrinkage). */
export function fitNearestCentroid(X: DenseMatrix, y: Int32Array, nClasses: number, metric: NeighborMetric): NearestCentroidModel {
  const d = X.columns;
  const centroids = createDenseMatrix(nClasses, d);
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < X.rows; i++) {
    const c = y[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) centroids.data[c * d + j]! += X.data[i * d + j]!;
  }
  for (let c = 0; c < nClasses; c++) for (let j = 0; j < d; j++) centroids.data[c * d + j]! /= counts[c]!;
  return { metric, centroids };
}

/** Negative distance to each centroid, so the largest value is the predicted class. */
export function nearestCentroidDecision(model: NearestCentroidModel, X: DenseMatrix): DenseMatrix {
  const distances = pairwiseDistances(X, model.centroids, model.metric);
  for (let k = 0; k < distances.data.length; k++) distances.data[k] = -distances.data[k]!;
  return distances;
}
