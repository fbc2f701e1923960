import { type DenseMatrix, type FeatureMatrix, createDenseMatrix } from './data';
import { rowSquaredNorms } from './kernels';
import { type NeighborList, kNearestNeighbors as searchNearestNeighbors } from './nearestNeighborSearch';
import { type NeighborIndex, buildNeighborIndex, unitRows } from './neighborIndex';
import { multiplyABt } from './productTiles';

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

export interface KnnModel {
  nNeighbors: number;
  metric: NeighborMetric;
  weights: NeighborWeights;
  nClasses: number;
  /** Training features after transforms, n × nFeatures row-major: float32 where trainHead got Float32Array rows and no transforms. */
  X: FeatureMatrix;
  y: Int32Array;
  /**
   * The prepared training side of the search (neighborIndex.ts), built at fit or on the first
   * search after loading, and rebuilt when X or the metric changes. Non-enumerable and never serialized.
   */
  index?: NeighborIndex;
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

/** Finds the k nearest training rows of each query (see nearestNeighborSearch.ts), nearest first. */
export function kNearestNeighbors(model: KnnModel, X: DenseMatrix): NeighborList {
  const cosine = model.metric === 'cosine';
  return searchNearestNeighbors(cosine ? unitRows(X) : X, neighborIndexOf(model), model.nNeighbors);
}

/** Returns the model's prepared index, building it now if it is missing or was built for another X or metric. */
export function neighborIndexOf(model: KnnModel): NeighborIndex {
  const cosine = model.metric === 'cosine';
  const current = model.index;
  if (current !== undefined && current.source === model.X.data && current.cosine === cosine && current.rows.rows === model.X.rows) return current;
  const index = buildNeighborIndex(model.X, cosine);
  // Non-enumerable, so spreading or stringifying the model never copies the index.
  Object.defineProperty(model, 'index', { value: index, writable: true, configurable: true, enumerable: false });
  return index;
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
