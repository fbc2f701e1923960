import { type DenseMatrix, createDenseMatrix, selectRows } from './data';
import { gemmABt } from './gemm';
import { rowSquaredNorms } from './kernels';

export type NeighborMetric = 'euclidean' | 'cosine';
export type NeighborWeights = 'uniform' | 'distance';

/** Pairwise distances, n × m: Euclidean √(‖a‖² + ‖b‖² − 2a·b) or cosine 1 − a·b / (‖a‖‖b‖), as scikit-learn. */
export function pairwiseDistances(A: DenseMatrix, B: DenseMatrix, metric: NeighborMetric): DenseMatrix {
  const d = A.columns;
  const aNorms = rowSquaredNorms(A);
  const bNorms = rowSquaredNorms(B);
  const out = createDenseMatrix(A.rows, B.rows);
  gemmABt(A.data, A.rows, B.data, B.rows, d, out.data);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.rows; j++) {
      const product = out.data[i * B.rows + j]!;
      let distance: number;
      if (metric === 'euclidean') {
        distance = Math.sqrt(Math.max(aNorms[i]! + bNorms[j]! - 2 * product, 0));
      } else {
        // Zero vectors are left unnormalised, so their cosine distance is 1, as in scikit-learn.
        const na = Math.sqrt(aNorms[i]!) || 1;
        const nb = Math.sqrt(bNorms[j]!) || 1;
        distance = Math.min(Math.max(1 - product / (na * nb), 0), 2);
      }
      out.data[i * B.rows + j] = distance;
    }
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
  const m = model.X.rows;
  const out = createDenseMatrix(X.rows, nClasses);
  const nearest = new Int32Array(k);
  const nearestDistance = new Float64Array(k);

  // Queries go in blocks so the distance matrix stays at blockRows × n_train.
  const blockRows = 256;
  let distances = createDenseMatrix(0, m);
  let blockStart = 0;
  for (let i = 0; i < X.rows; i++) {
    if (i % blockRows === 0) {
      const indices = Array.from({ length: Math.min(blockRows, X.rows - i) }, (_, r) => i + r);
      distances = pairwiseDistances(selectRows(X, indices), model.X, model.metric);
      blockStart = i;
    }
    const distanceRow = (i - blockStart) * m;
    // Insertion into a sorted list of the k best: O(m·k) with k small.
    let count = 0;
    for (let j = 0; j < m; j++) {
      const dist = distances.data[distanceRow + j]!;
      if (count === k && dist >= nearestDistance[k - 1]!) continue;
      let p = count < k ? count++ : k - 1;
      while (p > 0 && nearestDistance[p - 1]! > dist) {
        nearestDistance[p] = nearestDistance[p - 1]!;
        nearest[p] = nearest[p - 1]!;
        p--;
      }
      nearestDistance[p] = dist;
      nearest[p] = j;
    }

    const row = i * nClasses;
    const hasExactMatch = model.weights === 'distance' && nearestDistance[0] === 0;
    for (let t = 0; t < count; t++) {
      let w = 1;
      if (model.weights === 'distance' && hasExactMatch) {
        w = nearestDistance[t] === 0 ? 1 : 0;
      } else if (model.weights === 'distance') {
        w = 1 / nearestDistance[t]!;
      }
      out.data[row + y[nearest[t]!]!]! += w;
    }
    let total = 0;
    for (let c = 0; c < nClasses; c++) total += out.data[row + c]!;
    for (let c = 0; c < nClasses; c++) out.data[row + c]! /= total;
  }
  return out;
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
