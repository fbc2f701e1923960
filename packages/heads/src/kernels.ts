import { type DenseMatrix, dot } from './data';

export type KernelName = 'linear' | 'poly' | 'rbf' | 'sigmoid';

/** Kernel parameters with gamma already resolved to a number. */
export interface KernelParams {
  kernel: KernelName;
  gamma: number;
  degree: number;
  coef0: number;
}

/** scikit-learn's `gamma`: a positive number, `'scale'` or `'auto'`. */
export type GammaOption = number | 'scale' | 'auto';

/**
 * Resolves `gamma` as scikit-learn 1.2's SVC: `'scale'` = 1 / (n_features · Var(X))
 * with the population variance of every entry of X (1 when that variance is 0),
 * `'auto'` = 1 / n_features.
 */
export function resolveGamma(gamma: GammaOption | undefined, X: DenseMatrix): number {
  if (gamma === undefined || gamma === 'scale') {
    const n = X.data.length;
    let mean = 0;
    for (let k = 0; k < n; k++) mean += X.data[k]!;
    mean /= n;
    let variance = 0;
    for (let k = 0; k < n; k++) variance += (X.data[k]! - mean) ** 2;
    variance /= n;
    return variance !== 0 ? 1 / (X.columns * variance) : 1;
  }
  if (gamma === 'auto') return 1 / X.columns;
  if (typeof gamma !== 'number' || !(gamma > 0) || !Number.isFinite(gamma)) {
    throw new Error(`gamma = ${JSON.stringify(gamma)} is invalid: use a positive number, 'scale' or 'auto'`);
  }
  return gamma;
}

/** Squared L2 norm of each row, for RBF kernels. */
export function rowSquaredNorms(X: DenseMatrix): Float64Array {
  const norms = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) norms[i] = dot(X.data, i * X.columns, X.data, i * X.columns, X.columns);
  return norms;
}

/**
 * k(a_i, b_j) as libsvm defines it: linear a·b, poly (γ a·b + coef0)^degree,
 * rbf exp(−γ‖a − b‖²), sigmoid tanh(γ a·b + coef0).
 */
export function kernelValue(
  params: KernelParams,
  A: DenseMatrix,
  i: number,
  aNorm: number,
  B: DenseMatrix,
  j: number,
  bNorm: number,
): number {
  return kernelFromProduct(params, dot(A.data, i * A.columns, B.data, j * B.columns, A.columns), aNorm, bNorm);
}

/** k(a, b) from a·b and the squared norms ‖a‖², ‖b‖² (the norms matter only for rbf). */
export function kernelFromProduct(params: KernelParams, product: number, aNorm: number, bNorm: number): number {
  switch (params.kernel) {
    case 'linear':
      return product;
    case 'poly':
      return (params.gamma * product + params.coef0) ** params.degree;
    case 'rbf':
      // max(·, 0) removes tiny negative distances left by cancellation in aNorm + bNorm − 2a·b.
      return Math.exp(-params.gamma * Math.max(aNorm + bNorm - 2 * product, 0));
    case 'sigmoid':
      return Math.tanh(params.gamma * product + params.coef0);
  }
}

export function validateKernel(kernel: string): KernelName {
  if (kernel === 'linear' || kernel === 'poly' || kernel === 'rbf' || kernel === 'sigmoid') return kernel;
  throw new Error(`kernel '${kernel}' is unknown: use 'linear', 'poly', 'rbf' or 'sigmoid'`);
}
