import { type DenseMatrix, createDenseMatrix } from './data';
import { createLinearModelPasses } from './linearModelPasses';
import { minimizeLbfgs } from './lbfgs';
import { multiplyABt } from './productTiles';

export interface LogisticRegressionOptions {
  /** Inverse regularization strength, as scikit-learn's `C` (default 1). */
  C?: number;
  /** Stop when ‖∇(J/C)‖∞ ≤ tol, scikit-learn's lbfgs `tol` (default 1e-4). */
  tol?: number;
  /** Maximum L-BFGS iterations, scikit-learn's `max_iter` (default 100). */
  maxIter?: number;
}

/** Fitted weights: `coef` is nWeightVectors × nFeatures row-major, one intercept per vector. */
export interface LogisticRegressionModel {
  nFeatures: number;
  /** 1 for two classes (the vector scores classes[1]), else one per class. */
  nWeightVectors: number;
  coef: Float64Array;
  intercept: Float64Array;
  /** Objective J (see fitLogisticRegression) at the solution. */
  objective: number;
  iterations: number;
  converged: boolean;
}

/**
 * L2-regularised logistic regression as scikit-learn 1.2's `LogisticRegression(solver='lbfgs')`.
 *
 * Two classes (binomial, one weight vector w, y_i ∈ {0, 1}):
 *   min_{w,b}  J = ½‖w‖² + C Σ_i s_i [log(1 + e^{z_i}) − y_i z_i],   z_i = w·x_i + b
 * K > 2 classes (multinomial, one vector per class):
 *   min_{W,b}  J = ½‖W‖²_F + C Σ_i s_i [log Σ_k e^{z_ik} − z_{i,y_i}],   z_ik = W_k·x_i + b_k
 * s_i is the sample's class weight and the intercept b is not penalised.
 * Solved in the primal with L-BFGS from zero on J/C, scikit-learn's scaling, and
 * stopped when ‖∇(J/C)‖∞ ≤ tol, when the relative decrease of J falls below
 * 2.2e-9 (scipy's ftol), or after max_iter iterations.
 */
export function fitLogisticRegression(
  X: DenseMatrix,
  y: Int32Array,
  nClasses: number,
  sampleWeight: Float64Array,
  options: LogisticRegressionOptions = {},
): LogisticRegressionModel {
  const C = options.C ?? 1;
  const tol = options.tol ?? 1e-4;
  const maxIter = options.maxIter ?? 100;
  const d = X.columns;
  const nVectors = nClasses === 2 ? 1 : nClasses;
  const nWeights = nVectors * d;

  const objective = nClasses === 2 ? binomialObjective(X, y, sampleWeight, C) : multinomialObjective(X, y, nClasses, sampleWeight, C);
  const result = minimizeLbfgs(objective, new Float64Array(nWeights + nVectors), { gtol: tol, maxIter });

  return {
    nFeatures: d,
    nWeightVectors: nVectors,
    coef: result.x.slice(0, nWeights),
    intercept: result.x.slice(nWeights),
    objective: result.f * C,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/** J/C and its gradient for the binomial case; params = [w (d), b]. */
function binomialObjective(X: DenseMatrix, y: Int32Array, sampleWeight: Float64Array, C: number) {
  const d = X.columns;
  const alpha = 1 / C;
  const passes = createLinearModelPasses(X, 1);

  return (params: Float64Array, grad: Float64Array): number => {
    let f = 0;
    for (let j = 0; j < d; j++) {
      f += 0.5 * alpha * params[j]! * params[j]!;
      grad[j] = alpha * params[j]!;
    }
    const b = params[d]!;

    let gradB = 0;
    passes.run(params, grad, (z, rowStart, rows) => {
      for (let t = 0; t < rows; t++) {
        const i = rowStart + t;
        const zi = z[t]! + b;
        const target = y[i] === 1 ? 1 : 0;
        const s = sampleWeight[i]!;

        // log(1 + e^z) computed without overflow for large |z|.
        const softplus = zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi));
        f += s * (softplus - target * zi);

        const p = zi > 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
        z[t] = s * (p - target); // z now contains the residuals r_i
        gradB += z[t]!;
      }
    });
    grad[d] = gradB;
    return f;
  };
}

/** J/C and its gradient for the multinomial case; params = [W (K × d) row-major, b (K)]. */
function multinomialObjective(X: DenseMatrix, y: Int32Array, K: number, sampleWeight: Float64Array, C: number) {
  const d = X.columns;
  const alpha = 1 / C;
  const nWeights = K * d;
  const passes = createLinearModelPasses(X, K);

  return (params: Float64Array, grad: Float64Array): number => {
    let f = 0;
    for (let j = 0; j < nWeights; j++) {
      f += 0.5 * alpha * params[j]! * params[j]!;
      grad[j] = alpha * params[j]!;
    }
    for (let k = 0; k < K; k++) grad[nWeights + k] = 0;

    passes.run(params, grad, (Z, rowStart, rows) => {
      for (let t = 0; t < rows; t++) {
        const i = rowStart + t;
        const row = t * K;
        let zMax = -Infinity;
        for (let k = 0; k < K; k++) {
          Z[row + k]! += params[nWeights + k]!;
          if (Z[row + k]! > zMax) zMax = Z[row + k]!;
        }

        // log-sum-exp shifted by the max logit, so every exponent is at most 0 and exp cannot overflow.
        let sumExp = 0;
        for (let k = 0; k < K; k++) sumExp += Math.exp(Z[row + k]! - zMax);
        const logSumExp = zMax + Math.log(sumExp);
        const s = sampleWeight[i]!;
        const label = y[i]!;
        f += s * (logSumExp - Z[row + label]!);

        // Z's row becomes the residuals r_ik = s_i (p_ik − [k = y_i]).
        for (let k = 0; k < K; k++) {
          const r = s * (Math.exp(Z[row + k]! - logSumExp) - (k === label ? 1 : 0));
          Z[row + k] = r;
          grad[nWeights + k]! += r;
        }
      }
    });
    return f;
  };
}

/** Decision values: n × 1 for two classes (positive favours classes[1]), else n × K logits. */
export function logisticDecisionFunction(model: LogisticRegressionModel, X: DenseMatrix): DenseMatrix {
  const { nWeightVectors: K, nFeatures: d, coef, intercept } = model;
  const out = createDenseMatrix(X.rows, K);
  multiplyABt(X, { rows: K, columns: d, data: coef }, out.data);
  for (let i = 0; i < X.rows; i++) for (let k = 0; k < K; k++) out.data[i * K + k]! += intercept[k]!;
  return out;
}

/** Class probabilities: the logistic sigmoid for two classes, the softmax of the logits otherwise. */
export function logisticPredictProba(model: LogisticRegressionModel, X: DenseMatrix): DenseMatrix {
  const scores = logisticDecisionFunction(model, X);
  if (model.nWeightVectors === 1) {
    const out = createDenseMatrix(X.rows, 2);
    for (let i = 0; i < X.rows; i++) {
      const z = scores.data[i]!;
      const p1 = z > 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      out.data[2 * i] = 1 - p1;
      out.data[2 * i + 1] = p1;
    }
    return out;
  }
  const K = model.nWeightVectors;
  for (let i = 0; i < X.rows; i++) softmaxInPlace(scores.data, i * K, K);
  return scores;
}

export function softmaxInPlace(values: Float64Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, values[offset + k]!);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(values[offset + k]! - max);
    values[offset + k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) values[offset + k]! /= sum;
}
