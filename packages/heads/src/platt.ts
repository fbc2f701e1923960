/**
 * Platt scaling as libsvm: fits P(y = +1 | f) = 1 / (1 + exp(A·f + B)) to decision
 * values f by minimising the cross-entropy against Platt's smoothed targets
 *   t_i = (N₊ + 1)/(N₊ + 2) for positives,  1/(N₋ + 2) for negatives,
 * with Newton's method and a backtracking line search (Lin, Lin and Weng,
 * Machine Learning 2007). Stops when |∂/∂A| and |∂/∂B| are both < 1e-5, after
 * 100 iterations, or when the line search step falls below 1e-10.
 */
export function fitSigmoid(decisionValues: Float64Array, isPositive: Uint8Array): { A: number; B: number } {
  const l = decisionValues.length;
  let prior1 = 0;
  for (let i = 0; i < l; i++) prior1 += isPositive[i]!;
  const prior0 = l - prior1;

  const maxIter = 100;
  const minStep = 1e-10;
  const sigma = 1e-12; // keeps the Hessian positive definite
  const eps = 1e-5;
  const hiTarget = (prior1 + 1) / (prior1 + 2);
  const loTarget = 1 / (prior0 + 2);
  const t = new Float64Array(l);
  for (let i = 0; i < l; i++) t[i] = isPositive[i] ? hiTarget : loTarget;

  const crossEntropy = (A: number, B: number): number => {
    let f = 0;
    for (let i = 0; i < l; i++) {
      const fApB = decisionValues[i]! * A + B;
      f += fApB >= 0 ? t[i]! * fApB + Math.log1p(Math.exp(-fApB)) : (t[i]! - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return f;
  };

  let A = 0;
  let B = Math.log((prior0 + 1) / (prior1 + 1));
  let fval = crossEntropy(A, B);

  for (let iter = 0; iter < maxIter; iter++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < l; i++) {
      const dec = decisionValues[i]!;
      const fApB = dec * A + B;
      let p: number;
      let q: number;
      if (fApB >= 0) {
        p = Math.exp(-fApB) / (1 + Math.exp(-fApB));
        q = 1 / (1 + Math.exp(-fApB));
      } else {
        p = 1 / (1 + Math.exp(fApB));
        q = Math.exp(fApB) / (1 + Math.exp(fApB));
      }
      const d2 = p * q;
      h11 += dec * dec * d2;
      h22 += d2;
      h21 += dec * d2;
      const d1 = t[i]! - p;
      g1 += dec * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;

    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;

    let step = 1;
    while (step >= minStep) {
      const newA = A + step * dA;
      const newB = B + step * dB;
      const newf = crossEntropy(newA, newB);
      if (newf < fval + 0.0001 * step * gd) {
        A = newA;
        B = newB;
        fval = newf;
        break;
      }
      step /= 2;
    }
    if (step < minStep) break;
  }
  return { A, B };
}

/** P(y = +1 | f) = 1 / (1 + exp(A·f + B)), written to avoid overflow. */
export function sigmoidProbability(decisionValue: number, A: number, B: number): number {
  const fApB = decisionValue * A + B;
  return fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
}

/**
 * Couples pairwise probabilities r[i][j] ≈ P(class i | class i or j) into class
 * probabilities p by Wu, Lin and Weng's second method (JMLR 2004), as libsvm:
 *   min_p  ½ pᵀQp  subject to  Σp = 1,  Q_tt = Σ_{j≠t} r_jt²,  Q_tj = −r_jt r_tj,
 * by fixed-point iteration until max_t |(Qp)_t − pᵀQp| < 0.005/k or max(100, k) iterations.
 */
export function couplePairwiseProbabilities(k: number, r: Float64Array[], p: Float64Array): void {
  const maxIter = Math.max(100, k);
  const Q = Array.from({ length: k }, () => new Float64Array(k));
  const Qp = new Float64Array(k);
  const eps = 0.005 / k;

  for (let t = 0; t < k; t++) {
    p[t] = 1 / k;
    Q[t]![t] = 0;
    for (let j = 0; j < t; j++) {
      Q[t]![t]! += r[j]![t]! * r[j]![t]!;
      Q[t]![j] = Q[j]![t]!;
    }
    for (let j = t + 1; j < k; j++) {
      Q[t]![t]! += r[j]![t]! * r[j]![t]!;
      Q[t]![j] = -r[j]![t]! * r[t]![j]!;
    }
  }

  for (let iter = 0; iter < maxIter; iter++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      Qp[t] = 0;
      for (let j = 0; j < k; j++) Qp[t]! += Q[t]![j]! * p[j]!;
      pQp += p[t]! * Qp[t]!;
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) maxError = Math.max(maxError, Math.abs(Qp[t]! - pQp));
    if (maxError < eps) break;

    for (let t = 0; t < k; t++) {
      const diff = (-Qp[t]! + pQp) / Q[t]![t]!;
      p[t]! += diff;
      pQp = (pQp + diff * (diff * Q[t]![t]! + 2 * Qp[t]!)) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        Qp[j] = (Qp[j]! + diff * Q[t]![j]!) / (1 + diff);
        p[j]! /= 1 + diff;
      }
    }
  }
}
