import { type DenseMatrix, createDenseMatrix, dot } from './data';
import { rowSquaredNorms } from './kernels';

export type NeighborMetric = 'euclidean' | 'cosine';
export type NeighborWeights = 'uniform' | 'distance';

/** Pairwise distances, n × m: Euclidean √(‖a‖² + ‖b‖² − 2a·b) or cosine 1 − a·b / (‖a‖‖b‖), as scikit-learn. */
export function pairwiseDistances(A: DenseMatrix, B: DenseMatrix, metric: NeighborMetric): DenseMatrix {
  const d = A.columns;
  const aNorms = rowSquaredNorms(A);
  const bNorms = rowSquaredNorms(B);
  const out = createDenseMatrix(A.rows, B.rows);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.rows; j++) {
      const product = dot(A.data, i * d, B.data, j * d, d);
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
  const distances = pairwiseDistances(X, model.X, model.metric);
  const m = model.X.rows;
  const out = createDenseMatrix(X.rows, nClasses);
  const nearest = new Int32Array(k);
  const nearestDistance = new Float64Array(k);

  for (let i = 0; i < X.rows; i++) {
    // Insertion into a sorted list of the k best: O(m·k) with k small.
    let count = 0;
    for (let j = 0; j < m; j++) {
      const dist = distances.data[i * m + j]!;
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
      if (model.weights === 'distance') w = hasExactMatch ? (nearestDistance[t] === 0 ? 1 : 0) : 1 / nearestDistance[t]!;
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
