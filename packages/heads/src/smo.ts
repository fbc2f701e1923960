import type { KernelCache } from './kernelCache';

export interface SmoOptions {
  /** Stop when the maximal violating pair's gap m(α) − M(α) ≤ tol, libsvm's `eps` (default 1e-3). */
  tol: number;
  /** Temporarily remove bounded variables that are unlikely to move (default true). */
  shrinking: boolean;
  /** Iteration limit; −1 uses libsvm's max(10^7, 100·l). */
  maxIter: number;
}

export interface SmoResult {
  alpha: Float64Array;
  rho: number;
  /** Dual objective ½αᵀQα − eᵀα at the solution. */
  objective: number;
  iterations: number;
  converged: boolean;
}

const TAU = 1e-12; // libsvm's replacement for a non-positive curvature a_ij
const LOWER = 0;
const UPPER = 1;
const FREE = 2;

/**
 * C-SVC dual solved by SMO as libsvm 3.x (Fan, Chen and Lin, JMLR 2005):
 *   min_α  ½ αᵀQα − eᵀα   subject to  yᵀα = 0,  0 ≤ α_i ≤ C_i,   Q_ij = y_i y_j k(x_i, x_j).
 * Each step picks i = argmax_{t ∈ I_up} −y_t ∇f_t and j by second-order working-set
 * selection (WSS2, the j with the largest guaranteed decrease −b²/a), then solves
 * the two-variable subproblem exactly, clipped to the box. It stops when
 * max_{I_up} −y∇f − min_{I_low} −y∇f ≤ tol. Every min(l, 1000) iterations,
 * shrinking drops bounded variables whose gradient would push them further out.
 * Before the final check the full gradient is rebuilt from Ḡ, the contribution
 * of the variables at their upper bound.
 * The decision function is Σ_i α_i y_i k(x_i, x) − rho.
 */
export function solveSmo(Q: KernelCache, y: Int8Array, C: Float64Array, options: SmoOptions): SmoResult {
  const l = y.length;
  const QD = Q.diagonal;
  const alpha = new Float64Array(l);
  const status = new Uint8Array(l); // all start at the lower bound α = 0
  const G = new Float64Array(l).fill(-1); // ∇f(0) = −e
  const Gbar = new Float64Array(l);
  const maxIter = options.maxIter >= 0 ? options.maxIter : Math.max(10_000_000, 100 * l);

  // active[p] is the variable at position p; positions below activeSize are active.
  const active = new Int32Array(l);
  for (let p = 0; p < l; p++) active[p] = p;
  let activeSize = l;
  let unshrink = false;

  const updateStatus = (i: number): void => {
    if (alpha[i]! >= C[i]!) status[i] = UPPER;
    else if (alpha[i]! <= 0) status[i] = LOWER;
    else status[i] = FREE;
  };
  const isUpper = (i: number): boolean => status[i] === UPPER;
  const isLower = (i: number): boolean => status[i] === LOWER;

  const reconstructGradient = (): void => {
    if (activeSize === l) return;
    for (let p = activeSize; p < l; p++) {
      const j = active[p]!;
      G[j] = Gbar[j]! - 1;
    }
    for (let p = 0; p < l; p++) {
      const i = active[p]!;
      if (status[i] !== FREE) continue;
      const Qi = Q.row(i);
      const a = alpha[i]!;
      for (let q = activeSize; q < l; q++) {
        const j = active[q]!;
        G[j]! += a * Qi[j]!;
      }
    }
  };

  const beShrunk = (i: number, Gmax1: number, Gmax2: number): boolean => {
    if (isUpper(i)) return y[i] === 1 ? -G[i]! > Gmax1 : -G[i]! > Gmax2;
    if (isLower(i)) return y[i] === 1 ? G[i]! > Gmax2 : G[i]! > Gmax1;
    return false;
  };

  const doShrinking = (): void => {
    let Gmax1 = -Infinity; // max { −y_i ∇f_i | i ∈ I_up }
    let Gmax2 = -Infinity; // max { y_i ∇f_i | i ∈ I_low }
    for (let p = 0; p < activeSize; p++) {
      const i = active[p]!;
      if (y[i] === 1) {
        if (!isUpper(i)) Gmax1 = Math.max(Gmax1, -G[i]!);
        if (!isLower(i)) Gmax2 = Math.max(Gmax2, G[i]!);
      } else {
        if (!isUpper(i)) Gmax2 = Math.max(Gmax2, -G[i]!);
        if (!isLower(i)) Gmax1 = Math.max(Gmax1, G[i]!);
      }
    }

    // Close to the optimum, undo shrinking once so the last steps see every variable.
    if (!unshrink && Gmax1 + Gmax2 <= options.tol * 10) {
      unshrink = true;
      reconstructGradient();
      activeSize = l;
    }

    for (let p = 0; p < activeSize; p++) {
      if (!beShrunk(active[p]!, Gmax1, Gmax2)) continue;
      activeSize--;
      while (activeSize > p) {
        if (!beShrunk(active[activeSize]!, Gmax1, Gmax2)) {
          const tmp = active[p]!;
          active[p] = active[activeSize]!;
          active[activeSize] = tmp;
          break;
        }
        activeSize--;
      }
    }
  };

  /** WSS2: returns [i, j], or undefined when the stopping rule holds on the active set. */
  const selectWorkingSet = (): [number, number] | undefined => {
    let Gmax = -Infinity;
    let Gmax2 = -Infinity;
    let iBest = -1;
    let jBest = -1;
    let objDiffMin = Infinity;

    for (let p = 0; p < activeSize; p++) {
      const t = active[p]!;
      if (y[t] === 1) {
        if (!isUpper(t) && -G[t]! >= Gmax) {
          Gmax = -G[t]!;
          iBest = t;
        }
      } else if (!isLower(t) && G[t]! >= Gmax) {
        Gmax = G[t]!;
        iBest = t;
      }
    }

    const i = iBest;
    const Qi = i !== -1 ? Q.row(i) : undefined;

    for (let p = 0; p < activeSize; p++) {
      const j = active[p]!;
      let gradDiff: number;
      let quadCoef: number;
      if (y[j] === 1) {
        if (isLower(j)) continue;
        gradDiff = Gmax + G[j]!;
        if (G[j]! >= Gmax2) Gmax2 = G[j]!;
        if (gradDiff <= 0 || Qi === undefined) continue;
        quadCoef = QD[i]! + QD[j]! - 2 * y[i]! * Qi[j]!;
      } else {
        if (isUpper(j)) continue;
        gradDiff = Gmax - G[j]!;
        if (-G[j]! >= Gmax2) Gmax2 = -G[j]!;
        if (gradDiff <= 0 || Qi === undefined) continue;
        quadCoef = QD[i]! + QD[j]! + 2 * y[i]! * Qi[j]!;
      }
      const objDiff = -(gradDiff * gradDiff) / (quadCoef > 0 ? quadCoef : TAU);
      if (objDiff <= objDiffMin) {
        jBest = j;
        objDiffMin = objDiff;
      }
    }

    if (Gmax + Gmax2 < options.tol || jBest === -1) return undefined;
    return [i, jBest];
  };

  let iter = 0;
  let counter = Math.min(l, 1000) + 1;
  let converged = false;

  while (iter < maxIter) {
    if (--counter === 0) {
      counter = Math.min(l, 1000);
      if (options.shrinking) doShrinking();
    }

    let pair = selectWorkingSet();
    if (pair === undefined) {
      // Optimal on the active set: rebuild the whole gradient and check again.
      reconstructGradient();
      activeSize = l;
      pair = selectWorkingSet();
      if (pair === undefined) {
        converged = true;
        break;
      }
      counter = 1; // shrink again at the next iteration
    }
    iter++;

    const [i, j] = pair;
    const Qi = Q.row(i);
    const Qj = Q.row(j);
    const Ci = C[i]!;
    const Cj = C[j]!;
    const oldAi = alpha[i]!;
    const oldAj = alpha[j]!;
    let ai = oldAi;
    let aj = oldAj;

    // Solve the two-variable subproblem along yᵀα = const, then clip to [0, C_i] × [0, C_j].
    if (y[i] !== y[j]) {
      let quadCoef = QD[i]! + QD[j]! + 2 * Qi[j]!;
      if (quadCoef <= 0) quadCoef = TAU;
      const delta = (-G[i]! - G[j]!) / quadCoef;
      const diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) {
          aj = 0;
          ai = diff;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = -diff;
      }
      if (diff > Ci - Cj) {
        if (ai > Ci) {
          ai = Ci;
          aj = Ci - diff;
        }
      } else if (aj > Cj) {
        aj = Cj;
        ai = Cj + diff;
      }
    } else {
      let quadCoef = QD[i]! + QD[j]! - 2 * Qi[j]!;
      if (quadCoef <= 0) quadCoef = TAU;
      const delta = (G[i]! - G[j]!) / quadCoef;
      const sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > Ci) {
        if (ai > Ci) {
          ai = Ci;
          aj = sum - Ci;
        }
      } else if (aj < 0) {
        aj = 0;
        ai = sum;
      }
      if (sum > Cj) {
        if (aj > Cj) {
          aj = Cj;
          ai = sum - Cj;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = sum;
      }
    }
    alpha[i] = ai;
    alpha[j] = aj;

    const dAi = ai - oldAi;
    const dAj = aj - oldAj;
    for (let p = 0; p < activeSize; p++) {
      const k = active[p]!;
      G[k]! += Qi[k]! * dAi + Qj[k]! * dAj;
    }

    // Keep Ḡ = Σ_{α_t = C_t} C_t Q_t in step with bound changes, for reconstructGradient.
    const wasUpperI = isUpper(i);
    const wasUpperJ = isUpper(j);
    updateStatus(i);
    updateStatus(j);
    if (wasUpperI !== isUpper(i)) {
      const sign = wasUpperI ? -Ci : Ci;
      for (let k = 0; k < l; k++) Gbar[k]! += sign * Qi[k]!;
    }
    if (wasUpperJ !== isUpper(j)) {
      const sign = wasUpperJ ? -Cj : Cj;
      for (let k = 0; k < l; k++) Gbar[k]! += sign * Qj[k]!;
    }
  }

  if (!converged) {
    // Like libsvm, stop at the iteration limit with the current α.
    reconstructGradient();
    activeSize = l;
  }

  let objective = 0;
  for (let i = 0; i < l; i++) objective += alpha[i]! * (G[i]! - 1);
  objective /= 2;

  return { alpha, rho: calculateRho(y, G, status), objective, iterations: iter, converged };
}

/** rho = mean of y_i ∇f_i over free variables, or the midpoint of the feasible interval when none is free. */
function calculateRho(y: Int8Array, G: Float64Array, status: Uint8Array): number {
  let nFree = 0;
  let sumFree = 0;
  let ub = Infinity;
  let lb = -Infinity;
  for (let i = 0; i < y.length; i++) {
    const yG = y[i]! * G[i]!;
    if (status[i] === UPPER) {
      if (y[i] === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (status[i] === LOWER) {
      if (y[i] === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      nFree++;
      sumFree += yG;
    }
  }
  return nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
}
