import { type DenseMatrix, createDenseMatrix, selectRows } from './data';
import { type LinearSvmModel, type LinearSvmOptions, fitLinearSvm, linearSvmDecisionFunction } from './linearSvm';
import { fitSigmoid, sigmoidProbability } from './platt';
import { Random } from './random';

/** Platt parameters, one (A, B) per one-vs-rest weight vector. */
export interface LinearSvmPlatt {
  probA: number[];
  probB: number[];
}

/**
 * Fits Platt scaling for a linear SVM on decision values from a seeded 5-fold
 * cross-validation (the procedure libsvm uses for kernel SVMs), one sigmoid per
 * one-vs-rest vector. scikit-learn's LinearSVC has no probabilities, so there is
 * no scikit-learn reference for these values.
 */
export function fitLinearSvmPlatt(
  X: DenseMatrix,
  y: Int32Array,
  nClasses: number,
  classWeights: Float64Array,
  options: LinearSvmOptions,
): LinearSvmPlatt {
  const nFolds = 5;
  const l = X.rows;
  const nVectors = nClasses === 2 ? 1 : nClasses;
  const random = new Random((options.seed ?? 0) + 1);
  const perm = new Int32Array(l);
  for (let i = 0; i < l; i++) perm[i] = i;
  random.shuffle(perm);

  const decision = createDenseMatrix(l, nVectors);
  for (let fold = 0; fold < nFolds; fold++) {
    const begin = Math.floor((fold * l) / nFolds);
    const end = Math.floor(((fold + 1) * l) / nFolds);
    const trainIndices = [...perm.subarray(0, begin), ...perm.subarray(end)];
    const testIndices = perm.subarray(begin, end);
    const model = fitLinearSvm(selectRows(X, trainIndices), Int32Array.from(trainIndices, (i) => y[i]!), nClasses, classWeights, options);
    const values = linearSvmDecisionFunction(model, selectRows(X, testIndices));
    for (let t = 0; t < testIndices.length; t++) {
      decision.data.set(values.data.subarray(t * nVectors, (t + 1) * nVectors), testIndices[t]! * nVectors);
    }
  }

  const probA: number[] = [];
  const probB: number[] = [];
  for (let v = 0; v < nVectors; v++) {
    const positive = nClasses === 2 ? 1 : v;
    const values = Float64Array.from({ length: l }, (_, i) => decision.data[i * nVectors + v]!);
    const isPositive = Uint8Array.from(y, (k) => (k === positive ? 1 : 0));
    const { A, B } = fitSigmoid(values, isPositive);
    probA.push(A);
    probB.push(B);
  }
  return { probA, probB };
}

/** Sigmoid of each one-vs-rest score; for more than two classes they are normalised to sum to 1. */
export function linearSvmPredictProba(model: LinearSvmModel, platt: LinearSvmPlatt, X: DenseMatrix): DenseMatrix {
  const scores = linearSvmDecisionFunction(model, X);
  const K = model.nWeightVectors;
  if (K === 1) {
    const out = createDenseMatrix(X.rows, 2);
    for (let i = 0; i < X.rows; i++) {
      const p1 = sigmoidProbability(scores.data[i]!, platt.probA[0]!, platt.probB[0]!);
      out.data[2 * i] = 1 - p1;
      out.data[2 * i + 1] = p1;
    }
    return out;
  }
  for (let i = 0; i < X.rows; i++) {
    let total = 0;
    for (let k = 0; k < K; k++) {
      const p = sigmoidProbability(scores.data[i * K + k]!, platt.probA[k]!, platt.probB[k]!);
      scores.data[i * K + k] = p;
      total += p;
    }
    for (let k = 0; k < K; k++) scores.data[i * K + k]! /= total;
  }
  return scores;
}
