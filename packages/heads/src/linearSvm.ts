import { type DenseMatrix, createDenseMatrix, dot } from './data';
import { solveCrammerSinger } from './crammerSinger';
import { multiplyABt } from './productTiles';
import { Random } from './random';
import { type RowKernels, createRowKernels } from './rowKernels';

export type LinearSvmLoss = 'hinge' | 'squared_hinge';

export interface LinearSvmOptions {
  /** Regularization parameter, scikit-learn's `C` (default 1). */
  C?: number;
  /** 'hinge' (L1-loss) or 'squared_hinge' (L2-loss, scikit-learn's default). */
  loss?: LinearSvmLoss;
  /** Stop when the projected-gradient spread is ≤ tol, liblinear's `eps` (default 1e-4). */
  tol?: number;
  /** Maximum passes over the data per binary problem, scikit-learn's `max_iter` (default 1000). */
  maxIter?: number;
  /** Value B of the constant bias feature; the intercept is B·w_B (default 1). */
  interceptScaling?: number;
  /** Learn an intercept through the bias feature (default true). */
  fitIntercept?: boolean;
  /** Seed of the coordinate permutation. */
  seed?: number;
  /** 'ovr' (default): one binary SVM per class; 'crammer_singer': one joint multi-class problem. */
  multiClass?: 'ovr' | 'crammer_singer';
}

export interface LinearSvmModel {
  nFeatures: number;
  /** 1 for two classes (scores classes[1]), else one per class (one-vs-rest). */
  nWeightVectors: number;
  coef: Float64Array;
  intercept: Float64Array;
  /** Primal objective of each binary problem at the solution (one value for Crammer–Singer). */
  objectives: number[];
  iterations: number[];
  converged: boolean;
}

/**
 * Linear SVM, one-vs-rest, as liblinear's L2-regularised L1-loss and L2-loss SVC
 * (scikit-learn 1.2 `LinearSVC(dual=True)`). With x̃_i = [x_i; B] and y_i ∈ {−1, +1},
 * each binary problem is
 *   min_w  ½‖w‖² + Σ_i C_i ξ(y_i w·x̃_i),   ξ(m) = max(0, 1 − m) (hinge) or max(0, 1 − m)² (squared hinge),
 * so the bias weight is penalised, as in liblinear. Dual coordinate descent
 * (Hsieh et al., ICML 2008) works on
 *   min_α  ½ αᵀQ̄α − eᵀα,   0 ≤ α_i ≤ U_i,   Q̄ = Q + D,   Q_ij = y_i y_j x̃_i·x̃_j,
 * with U_i = C_i, D_ii = 0 (hinge) or U_i = ∞, D_ii = 1/(2C_i) (squared hinge),
 * keeping w = Σ_i α_i y_i x̃_i. Each pass visits the active coordinates in a seeded
 * random order and shrinks bound coordinates whose projected gradient points outward.
 * It stops when max PG − min PG ≤ tol over a pass of all coordinates, or after max_iter passes.
 * Class weights follow liblinear: with two classes C_i = C·weight[y_i]; one-vs-rest
 * for class k uses C·weight[k] for class k and C for the rest.
 */
export function fitLinearSvm(
  X: DenseMatrix,
  y: Int32Array,
  nClasses: number,
  classWeights: Float64Array,
  options: LinearSvmOptions = {},
): LinearSvmModel {
  const C = options.C ?? 1;
  const fitIntercept = options.fitIntercept ?? true;
  const bias = fitIntercept ? (options.interceptScaling ?? 1) : 0;
  const random = new Random(options.seed ?? 0);
  const d = X.columns;
  const nVectors = nClasses === 2 ? 1 : nClasses;

  if (options.multiClass === 'crammer_singer') return fitCrammerSinger(X, y, nClasses, classWeights, C, bias, options, random);
  if (options.multiClass !== undefined && options.multiClass !== 'ovr') {
    throw new Error(`multiClass '${String(options.multiClass)}' is unknown: use 'ovr' or 'crammer_singer'`);
  }

  const coef = new Float64Array(nVectors * d);
  const intercept = new Float64Array(nVectors);
  const objectives: number[] = [];
  const iterations: number[] = [];
  let converged = true;

  const sign = new Int8Array(X.rows);
  const upperC = new Float64Array(X.rows);
  const rows = createRowKernels(X);
  for (let v = 0; v < nVectors; v++) {
    const positive = nClasses === 2 ? 1 : v;
    for (let i = 0; i < X.rows; i++) {
      const isPositive = y[i] === positive;
      sign[i] = isPositive ? 1 : -1;
      upperC[i] = nClasses === 2 || isPositive ? C * classWeights[y[i]!]! : C;
    }

    const result = solveDualCoordinateDescent(X, rows, sign, upperC, bias, options.loss ?? 'squared_hinge', options.tol ?? 1e-4, options.maxIter ?? 1000, random);
    coef.set(result.w.subarray(0, d), v * d);
    intercept[v] = bias * result.w[d]!;
    objectives.push(result.objective);
    iterations.push(result.iterations);
    converged &&= result.converged;
  }

  return { nFeatures: d, nWeightVectors: nVectors, coef, intercept, objectives, iterations, converged };
}

/** Crammer–Singer via solveCrammerSinger; two classes keep w_1 − w_0, as scikit-learn does. */
function fitCrammerSinger(
  X: DenseMatrix,
  y: Int32Array,
  nClasses: number,
  classWeights: Float64Array,
  C: number,
  bias: number,
  options: LinearSvmOptions,
  random: Random,
): LinearSvmModel {
  const d = X.columns;
  const cost = Float64Array.from(y, (k) => C * classWeights[k]!);
  const result = solveCrammerSinger(X, y, nClasses, cost, bias, options.tol ?? 1e-4, options.maxIter ?? 1000, random);
  const W = result.W;
  const nVectors = nClasses === 2 ? 1 : nClasses;
  const coef = new Float64Array(nVectors * d);
  const intercept = new Float64Array(nVectors);

  if (nClasses === 2) {
    for (let j = 0; j < d; j++) coef[j] = W[d + 1 + j]! - W[j]!;
    intercept[0] = bias * (W[2 * d + 1]! - W[d]!);
  } else {
    for (let m = 0; m < nClasses; m++) {
      coef.set(W.subarray(m * (d + 1), m * (d + 1) + d), m * d);
      intercept[m] = bias * W[m * (d + 1) + d]!;
    }
  }
  return { nFeatures: d, nWeightVectors: nVectors, coef, intercept, objectives: [result.objective], iterations: [result.iterations], converged: result.converged };
}

interface DualResult {
  /** [w; w_B], length d + 1. */
  w: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
}

function solveDualCoordinateDescent(
  X: DenseMatrix,
  rows: RowKernels,
  y: Int8Array,
  cost: Float64Array,
  bias: number,
  loss: LinearSvmLoss,
  eps: number,
  maxIter: number,
  random: Random,
): DualResult {
  const { rows: l, columns: d, data } = X;
  // w lives in `rows` (SIMD memory when available); the bias weight w_B is kept here.
  rows.reset();
  let wBias = 0;
  const alpha = new Float64Array(l);
  const diag = new Float64Array(l);
  const upper = new Float64Array(l);
  const QD = new Float64Array(l);
  const index = new Int32Array(l);

  for (let i = 0; i < l; i++) {
    if (loss === 'hinge') {
      upper[i] = cost[i]!;
    } else {
      diag[i] = 0.5 / cost[i]!;
      upper[i] = Infinity;
    }
    QD[i] = diag[i]! + dot(data, i * d, data, i * d, d) + bias * bias;
    index[i] = i;
  }

  let activeSize = l;
  let PGmaxOld = Infinity;
  let PGminOld = -Infinity;
  let iter = 0;
  let converged = false;

  while (iter < maxIter) {
    let PGmaxNew = -Infinity;
    let PGminNew = Infinity;

    for (let s = 0; s < activeSize; s++) {
      const j = s + random.nextInt(activeSize - s);
      const tmp = index[s]!;
      index[s] = index[j]!;
      index[j] = tmp;
    }

    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      const yi = y[i]!;
      const G = yi * (rows.dot(i) + wBias * bias) - 1 + alpha[i]! * diag[i]!;
      const C = upper[i]!;

      let PG = 0;
      if (alpha[i] === 0) {
        if (G > PGmaxOld) {
          // Shrink: at the lower bound with a gradient pushing further out.
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G < 0) {
          PG = G;
        }
      } else if (alpha[i] === C) {
        if (G < PGminOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G > 0) {
          PG = G;
        }
      } else {
        PG = G;
      }

      PGmaxNew = Math.max(PGmaxNew, PG);
      PGminNew = Math.min(PGminNew, PG);

      if (Math.abs(PG) > 1e-12) {
        const alphaOld = alpha[i]!;
        alpha[i] = Math.min(Math.max(alphaOld - G / QD[i]!, 0), C);
        const delta = (alpha[i]! - alphaOld) * yi;
        rows.axpy(i, delta);
        wBias += delta * bias;
      }
    }

    iter++;

    if (PGmaxNew - PGminNew <= eps) {
      if (activeSize === l) {
        converged = true;
        break;
      }
      // Converged on the shrunk set: recheck every coordinate before stopping.
      activeSize = l;
      PGmaxOld = Infinity;
      PGminOld = -Infinity;
      continue;
    }
    PGmaxOld = PGmaxNew <= 0 ? Infinity : PGmaxNew;
    PGminOld = PGminNew >= 0 ? -Infinity : PGminNew;
  }

  const w = new Float64Array(d + 1);
  rows.copyWeights(w);
  w[d] = wBias;
  return { w, objective: linearSvmPrimalObjective(rows, y, cost, bias, loss, w), iterations: iter, converged };
}

/** ½‖w‖² + Σ_i C_i ξ(y_i w·x̃_i) for w = [w; w_B], with the margins' products x_i·w taken from `rows`, which contains the same w. */
function linearSvmPrimalObjective(rows: RowKernels, y: Int8Array, cost: Float64Array, bias: number, loss: LinearSvmLoss, w: Float64Array): number {
  let f = 0.5 * dot(w, 0, w, 0, w.length);
  const wBias = w[w.length - 1]!;
  for (let i = 0; i < y.length; i++) {
    const margin = y[i]! * (rows.dot(i) + wBias * bias);
    const slack = Math.max(0, 1 - margin);
    f += cost[i]! * (loss === 'hinge' ? slack : slack * slack);
  }
  return f;
}

/** Decision values: n × 1 for two classes (positive favours classes[1]), else n × K one-vs-rest scores. */
export function linearSvmDecisionFunction(model: LinearSvmModel, X: DenseMatrix): DenseMatrix {
  const { nWeightVectors: K, nFeatures: d, coef, intercept } = model;
  const out = createDenseMatrix(X.rows, K);
  multiplyABt(X, { rows: K, columns: d, data: coef }, out.data);
  for (let i = 0; i < X.rows; i++) for (let k = 0; k < K; k++) out.data[i * K + k]! += intercept[k]!;
  return out;
}
