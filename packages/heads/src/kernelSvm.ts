import { type DenseMatrix, createDenseMatrix, selectRows } from './data';
import { KernelCache, type KernelMatrixRows } from './kernelCache';
import { computeKernelMatrix, kernelMatrixFits } from './kernelMatrix';
import { type GammaOption, type KernelName, type KernelParams, kernelFromProduct, kernelValue, resolveGamma, rowSquaredNorms } from './kernels';
import { multiplyABt } from './productTiles';
import { couplePairwiseProbabilities, fitSigmoid, sigmoidProbability } from './platt';
import { Random } from './random';
import { solveSmo } from './smo';

export interface KernelSvmOptions {
  /** Regularization parameter, scikit-learn's `C` (default 1). */
  C?: number;
  kernel?: KernelName;
  gamma?: GammaOption;
  /** Degree of the polynomial kernel (default 3). */
  degree?: number;
  /** Constant term of the polynomial and sigmoid kernels (default 0). */
  coef0?: number;
  /** SMO stopping tolerance, scikit-learn's `tol` (default 1e-3). */
  tol?: number;
  shrinking?: boolean;
  /** Kernel cache size in MB, scikit-learn's `cache_size` (default 200). */
  cacheSize?: number;
  /** SMO iteration limit per binary problem; −1 (default) uses libsvm's limit. */
  maxIter?: number;
  /** Fit Platt scaling by internal 5-fold cross-validation so predictProba works (default false). */
  probability?: boolean;
  /** Seed of the Platt cross-validation shuffle. */
  seed?: number;
}

/** A trained one-vs-one kernel SVM in libsvm's layout. */
export interface KernelSvmModel {
  kernel: KernelParams;
  nFeatures: number;
  nClasses: number;
  /** nSV × nFeatures row-major, grouped by class in class order. */
  supportVectors: Float64Array;
  /** Number of support vectors of each class. */
  nSupport: number[];
  /** (nClasses − 1) × nSV: libsvm's sv_coef, α_i y_i of each support vector in each pair. */
  dualCoef: Float64Array;
  /** One per pair (i, j), i < j, in order (0,1), (0,2), …, (1,2), …; the pair's decision is Σ coef·k − rho. */
  rho: number[];
  /** Platt parameters per pair, when trained with probability. */
  probA?: number[];
  probB?: number[];
  /** SMO iterations per pair and whether every pair met `tol` before `maxIter`; set by training, not stored. */
  iterations?: number[];
  converged?: boolean;
}

/**
 * Multi-class C-SVC as libsvm (scikit-learn 1.2 `SVC`): one binary SVM per pair of
 * classes i < j with class i as +1, each solved by SMO (see solveSmo) with
 * C_t = C·weight[class of t]. Optionally fits Platt scaling per pair on decision
 * values from a seeded 5-fold cross-validation, as libsvm's
 * svm_binary_svc_probability.
 */
export function fitKernelSvm(
  X: DenseMatrix,
  y: Int32Array,
  nClasses: number,
  classWeights: Float64Array,
  options: KernelSvmOptions = {},
): KernelSvmModel {
  const C = options.C ?? 1;
  if (!(C > 0)) throw new Error(`C = ${C} is invalid: C must be > 0`);
  const kernel: KernelParams = {
    kernel: options.kernel ?? 'rbf',
    gamma: resolveGamma(options.gamma, X),
    degree: options.degree ?? 3,
    coef0: options.coef0 ?? 0,
  };
  const smoOptions = { tol: options.tol ?? 1e-3, shrinking: options.shrinking ?? true, maxIter: options.maxIter ?? -1 };
  const cacheSize = options.cacheSize ?? 200;
  const random = new Random(options.seed ?? 0);

  // Group sample indices by class, keeping their original order within a class.
  const members: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < y.length; i++) members[y[i]!]!.push(i);

  // One kernel matrix for all pairs when it fits in the cache: each sample is in K − 1 pairs, so this
  // computes every kernel value once instead of up to K − 1 times, with the blocked GEMM.
  const kernelMatrix = kernelMatrixFits(X.rows, cacheSize) ? computeKernelMatrix(X, kernel) : undefined;

  const isSupport = new Uint8Array(y.length);
  const pairAlpha: Float64Array[] = [];
  const rho: number[] = [];
  const iterations: number[] = [];
  let converged = true;
  const probA: number[] = [];
  const probB: number[] = [];

  for (let a = 0; a < nClasses; a++) {
    for (let b = a + 1; b < nClasses; b++) {
      const indices = [...members[a]!, ...members[b]!];
      const samples = kernelMatrix !== undefined ? { matrix: kernelMatrix, indices } : selectRows(X, indices);
      const sign = new Int8Array(indices.length);
      const cost = new Float64Array(indices.length);
      for (let t = 0; t < indices.length; t++) {
        const positive = t < members[a]!.length;
        sign[t] = positive ? 1 : -1;
        cost[t] = C * classWeights[positive ? a : b]!;
      }

      if (options.probability) {
        const { A, B } = fitPlattByCrossValidation(selectRows(X, indices), sign, cost, kernel, smoOptions, cacheSize, random, kernelMatrix && { matrix: kernelMatrix, indices });
        probA.push(A);
        probB.push(B);
      }

      const result = solveSmo(new KernelCache(samples, sign, kernel, cacheSize), sign, cost, smoOptions);
      const signedAlpha = new Float64Array(indices.length);
      for (let t = 0; t < indices.length; t++) {
        signedAlpha[t] = result.alpha[t]! * sign[t]!;
        if (result.alpha[t]! > 0) isSupport[indices[t]!] = 1;
      }
      pairAlpha.push(signedAlpha);
      rho.push(result.rho);
      iterations.push(result.iterations);
      converged &&= result.converged;
    }
  }

  // Support vectors grouped by class; position maps a training index to its SV slot.
  const nSupport: number[] = [];
  const supportIndices: number[] = [];
  const position = new Int32Array(y.length).fill(-1);
  for (let k = 0; k < nClasses; k++) {
    let count = 0;
    for (const i of members[k]!) {
      if (!isSupport[i]) continue;
      position[i] = supportIndices.length;
      supportIndices.push(i);
      count++;
    }
    nSupport.push(count);
  }
  const nSV = supportIndices.length;

  // libsvm's sv_coef: in pair (a, b), class a's SVs use row b − 1 and class b's SVs use row a.
  const dualCoef = new Float64Array((nClasses - 1) * nSV);
  let p = 0;
  for (let a = 0; a < nClasses; a++) {
    for (let b = a + 1; b < nClasses; b++) {
      const alpha = pairAlpha[p++]!;
      const indices = [...members[a]!, ...members[b]!];
      for (let t = 0; t < indices.length; t++) {
        const slot = position[indices[t]!]!;
        if (slot < 0 || alpha[t] === 0) continue;
        const row = t < members[a]!.length ? b - 1 : a;
        dualCoef[row * nSV + slot] = alpha[t]!;
      }
    }
  }

  const model: KernelSvmModel = {
    kernel,
    nFeatures: X.columns,
    nClasses,
    supportVectors: selectRows(X, supportIndices).data,
    nSupport,
    dualCoef,
    rho,
    iterations,
    converged,
  };
  if (options.probability) {
    model.probA = probA;
    model.probB = probB;
  }
  return model;
}

/** Fits Platt's A, B for one binary problem on 5-fold cross-validated decision values, as libsvm. */
function fitPlattByCrossValidation(
  X: DenseMatrix,
  sign: Int8Array,
  cost: Float64Array,
  kernel: KernelParams,
  smoOptions: { tol: number; shrinking: boolean; maxIter: number },
  cacheSize: number,
  random: Random,
  precomputed: KernelMatrixRows | undefined,
): { A: number; B: number } {
  const nFolds = 5;
  const l = sign.length;
  const perm = new Int32Array(l);
  for (let i = 0; i < l; i++) perm[i] = i;
  random.shuffle(perm);

  const decisionValues = new Float64Array(l);
  for (let fold = 0; fold < nFolds; fold++) {
    const begin = Math.floor((fold * l) / nFolds);
    const end = Math.floor(((fold + 1) * l) / nFolds);
    const trainIndices = [...perm.subarray(0, begin), ...perm.subarray(end)];
    let nPositive = 0;
    for (const i of trainIndices) if (sign[i] === 1) nPositive++;
    const nNegative = trainIndices.length - nPositive;

    // A fold without both classes predicts the class it has, as libsvm does.
    if (nPositive === 0 || nNegative === 0) {
      const value = nPositive > 0 ? 1 : -1;
      for (let t = begin; t < end; t++) decisionValues[perm[t]!] = value;
      continue;
    }

    const subX = selectRows(X, trainIndices);
    const subSign = Int8Array.from(trainIndices, (i) => sign[i]!);
    const subCost = Float64Array.from(trainIndices, (i) => cost[i]!);
    const samples = precomputed !== undefined ? { matrix: precomputed.matrix, indices: trainIndices.map((t) => precomputed.indices[t]!) } : subX;
    const result = solveSmo(new KernelCache(samples, subSign, kernel, cacheSize), subSign, subCost, smoOptions);

    const subNorms = rowSquaredNorms(subX);
    const norms = rowSquaredNorms(X);
    for (let t = begin; t < end; t++) {
      const i = perm[t]!;
      let sum = 0;
      for (let s = 0; s < trainIndices.length; s++) {
        const a = result.alpha[s]!;
        if (a !== 0) sum += a * subSign[s]! * kernelValue(kernel, subX, s, subNorms[s]!, X, i, norms[i]!);
      }
      decisionValues[i] = sum - result.rho;
    }
  }

  const isPositive = Uint8Array.from(sign, (s) => (s === 1 ? 1 : 0));
  return fitSigmoid(decisionValues, isPositive);
}

/** libsvm's pairwise decision values: n × K(K−1)/2, positive favours the first class of the pair. */
export function kernelSvmPairwiseDecision(model: KernelSvmModel, X: DenseMatrix): DenseMatrix {
  const { nClasses: K, nSupport, dualCoef, rho } = model;
  const SV: DenseMatrix = { rows: nSupport.reduce((s, c) => s + c, 0), columns: model.nFeatures, data: model.supportVectors };
  const nSV = SV.rows;
  const svNorms = rowSquaredNorms(SV);
  const xNorms = rowSquaredNorms(X);
  const start = [0];
  for (let k = 1; k < K; k++) start.push(start[k - 1]! + nSupport[k - 1]!);

  const nPairs = (K * (K - 1)) / 2;
  const out = createDenseMatrix(X.rows, nPairs);
  // Kernel values for blocks of test rows at once, so the products use the blocked GEMM;
  // 256 rows per block make packing the support vectors for each block cost under 1% of the products.
  const blockRows = 256;
  const d = X.columns;
  const kv = new Float64Array(blockRows * nSV);
  for (let first = 0; first < X.rows; first += blockRows) {
    const count = Math.min(blockRows, X.rows - first);
    multiplyABt({ rows: count, columns: d, data: X.data.subarray(first * d, (first + count) * d) }, SV, kv);
    for (let r = 0; r < count; r++) {
      const n = first + r;
      const base = r * nSV;
      for (let s = 0; s < nSV; s++) kv[base + s] = kernelFromProduct(model.kernel, kv[base + s]!, xNorms[n]!, svNorms[s]!);
      let p = 0;
      for (let a = 0; a < K; a++) {
        for (let b = a + 1; b < K; b++) {
          let sum = 0;
          for (let s = start[a]!; s < start[a]! + nSupport[a]!; s++) sum += dualCoef[(b - 1) * nSV + s]! * kv[base + s]!;
          for (let s = start[b]!; s < start[b]! + nSupport[b]!; s++) sum += dualCoef[a * nSV + s]! * kv[base + s]!;
          out.data[n * nPairs + p] = sum - rho[p]!;
          p++;
        }
      }
    }
  }
  return out;
}

/** Class indices by one-vs-one voting; ties go to the lower class index, as libsvm. */
export function kernelSvmPredict(model: KernelSvmModel, X: DenseMatrix): Int32Array {
  const K = model.nClasses;
  const dec = kernelSvmPairwiseDecision(model, X);
  const out = new Int32Array(X.rows);
  const votes = new Int32Array(K);
  for (let n = 0; n < X.rows; n++) {
    votes.fill(0);
    let p = 0;
    for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) votes[dec.data[n * dec.columns + p++]! > 0 ? a : b]!++;
    let best = 0;
    for (let k = 1; k < K; k++) if (votes[k]! > votes[best]!) best = k;
    out[n] = best;
  }
  return out;
}

/**
 * scikit-learn's SVC.decision_function: n × 1 for two classes (positive favours
 * classes[1]), n × K(K−1)/2 pairwise values for 'ovo', and for 'ovr' the votes plus
 * the summed confidences squashed into (−1/3, 1/3) by x / (3(|x| + 1)).
 */
export function kernelSvmDecisionFunction(model: KernelSvmModel, X: DenseMatrix, shape: 'ovr' | 'ovo'): DenseMatrix {
  const K = model.nClasses;
  const dec = kernelSvmPairwiseDecision(model, X);
  if (K === 2) {
    for (let n = 0; n < X.rows; n++) dec.data[n] = -dec.data[n]!;
    return dec;
  }
  if (shape === 'ovo') return dec;

  const out = createDenseMatrix(X.rows, K);
  const confidence = new Float64Array(K);
  for (let n = 0; n < X.rows; n++) {
    confidence.fill(0);
    let p = 0;
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        const value = dec.data[n * dec.columns + p++]!;
        confidence[a]! += value;
        confidence[b]! -= value;
        out.data[n * K + (value < 0 ? b : a)]! += 1;
      }
    }
    for (let k = 0; k < K; k++) out.data[n * K + k]! += confidence[k]! / (3 * (Math.abs(confidence[k]!) + 1));
  }
  return out;
}

/** Platt-scaled class probabilities, coupled across pairs for K > 2 (libsvm's svm_predict_probability). */
export function kernelSvmPredictProba(model: KernelSvmModel, X: DenseMatrix): DenseMatrix {
  const { probA, probB } = model;
  if (probA === undefined || probB === undefined) {
    throw new Error('predictProba needs Platt scaling: train the SVM head with probability: true');
  }
  const K = model.nClasses;
  const minProbability = 1e-7; // libsvm clips pairwise probabilities to [1e-7, 1 − 1e-7]
  const dec = kernelSvmPairwiseDecision(model, X);
  const out = createDenseMatrix(X.rows, K);
  const r = Array.from({ length: K }, () => new Float64Array(K));
  const p = new Float64Array(K);

  for (let n = 0; n < X.rows; n++) {
    let pair = 0;
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        const value = sigmoidProbability(dec.data[n * dec.columns + pair]!, probA[pair]!, probB[pair]!);
        r[a]![b] = Math.min(Math.max(value, minProbability), 1 - minProbability);
        r[b]![a] = 1 - r[a]![b]!;
        pair++;
      }
    }
    if (K === 2) {
      out.data[2 * n] = r[0]![1]!;
      out.data[2 * n + 1] = r[1]![0]!;
    } else {
      couplePairwiseProbabilities(K, r, p);
      out.data.set(p, n * K);
    }
  }
  return out;
}
