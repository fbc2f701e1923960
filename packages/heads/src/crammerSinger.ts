import type { DenseMatrix } from './data';
import { dot } from './data';
import type { Random } from './random';

export interface CrammerSingerResult {
  /** K × (d + 1) row-major: each class's [w_m; w_m,B]. */
  W: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
}

/**
 * Multi-class linear SVM of Crammer and Singer as liblinear's MCSVM_CS solver
 * (scikit-learn 1.2 `LinearSVC(multi_class='crammer_singer')`). With x̃_i = [x_i; B]:
 *   min_W  ½ Σ_m ‖w_m‖² + Σ_i C_i ξ_i,   ξ_i = max_m (1 − δ_{m,y_i} + (w_m − w_{y_i})·x̃_i).
 * The dual, with α_i ∈ R^K, is
 *   min_α  ½ Σ_m ‖Σ_i α_im x̃_i‖² + Σ_i Σ_m (1 − δ_{m,y_i}) α_im
 *   subject to  Σ_m α_im = 0,  α_im ≤ C_i δ_{m,y_i},
 * solved one sample's block α_i at a time (Keerthi et al., KDD 2008): each block
 * subproblem is solved exactly by sorting, and classes whose α_im sits at its
 * bound with a small gradient are shrunk. A pass stops the solver when
 * max_m G_im − min_m G_im < tol over all active blocks after a pass that started
 * from every block; shrinking tolerances halve from max(10·tol, 1) down to tol.
 */
export function solveCrammerSinger(
  X: DenseMatrix,
  y: Int32Array,
  nClasses: number,
  cost: Float64Array,
  bias: number,
  eps: number,
  maxIter: number,
  random: Random,
): CrammerSingerResult {
  const { rows: l, columns: d, data } = X;
  const K = nClasses;
  const D1 = d + 1;
  const W = new Float64Array(K * D1);
  const alpha = new Float64Array(l * K);
  const alphaIndex = new Int32Array(l * K);
  const activeSizeI = new Int32Array(l);
  const yIndex = new Int32Array(l);
  const index = new Int32Array(l);
  const QD = new Float64Array(l);
  const G = new Float64Array(K);
  const B = new Float64Array(K);
  const alphaNew = new Float64Array(K);
  const sorted = new Float64Array(K);
  const changedClass = new Int32Array(K);
  const changedValue = new Float64Array(K);

  for (let i = 0; i < l; i++) {
    for (let m = 0; m < K; m++) alphaIndex[i * K + m] = m;
    QD[i] = dot(data, i * d, data, i * d, d) + bias * bias;
    activeSizeI[i] = K;
    yIndex[i] = y[i]!;
    index[i] = i;
  }

  let activeSize = l;
  let epsShrink = Math.max(10 * eps, 1);
  let startFromAll = true;
  let iter = 0;
  let converged = false;

  const beShrunk = (i: number, m: number, alphaValue: number, minG: number): boolean => {
    const bound = m === yIndex[i] ? cost[i]! : 0;
    return alphaValue === bound && G[m]! < minG;
  };

  while (iter < maxIter) {
    let stopping = -Infinity;
    for (let s = 0; s < activeSize; s++) {
      const j = s + random.nextInt(activeSize - s);
      const tmp = index[s]!;
      index[s] = index[j]!;
      index[j] = tmp;
    }

    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      const Ai = QD[i]!;
      const base = i * K;
      const offset = i * d;
      if (!(Ai > 0)) continue;

      // G_m = 1 − δ_{m,y_i} + w_m·x̃_i for the active classes of this block.
      let active = activeSizeI[i]!;
      for (let m = 0; m < active; m++) {
        const c = alphaIndex[base + m]!;
        G[m] = (m === yIndex[i] ? 0 : 1) + dot(data, offset, W, c * D1, d) + W[c * D1 + d]! * bias;
      }

      let minG = Infinity;
      let maxG = -Infinity;
      for (let m = 0; m < active; m++) {
        if (alpha[base + alphaIndex[base + m]!]! < 0 && G[m]! < minG) minG = G[m]!;
        if (G[m]! > maxG) maxG = G[m]!;
      }
      if (yIndex[i]! < active && alpha[base + y[i]!]! < cost[i]! && G[yIndex[i]!]! < minG) minG = G[yIndex[i]!]!;

      for (let m = 0; m < active; m++) {
        if (!beShrunk(i, m, alpha[base + alphaIndex[base + m]!]!, minG)) continue;
        active--;
        while (active > m) {
          if (!beShrunk(i, active, alpha[base + alphaIndex[base + active]!]!, minG)) {
            swapInt(alphaIndex, base + m, base + active);
            swapFloat(G, m, active);
            if (yIndex[i] === active) yIndex[i] = m;
            else if (yIndex[i] === m) yIndex[i] = active;
            break;
          }
          active--;
        }
      }
      activeSizeI[i] = active;

      if (active <= 1) {
        activeSize--;
        index[s] = index[activeSize]!;
        index[activeSize] = i;
        s--;
        continue;
      }
      if (maxG - minG <= 1e-12) continue;
      stopping = Math.max(maxG - minG, stopping);

      for (let m = 0; m < active; m++) B[m] = G[m]! - Ai * alpha[base + alphaIndex[base + m]!]!;
      solveBlockSubproblem(Ai, yIndex[i]!, cost[i]!, active, B, sorted, alphaNew);

      let changed = 0;
      for (let m = 0; m < active; m++) {
        const c = alphaIndex[base + m]!;
        const delta = alphaNew[m]! - alpha[base + c]!;
        alpha[base + c] = alphaNew[m]!;
        if (Math.abs(delta) > 1e-12) {
          changedClass[changed] = c;
          changedValue[changed] = delta;
          changed++;
        }
      }
      for (let z = 0; z < changed; z++) {
        const w = changedClass[z]! * D1;
        const delta = changedValue[z]!;
        for (let k = 0; k < d; k++) W[w + k]! += delta * data[offset + k]!;
        W[w + d]! += delta * bias;
      }
    }

    iter++;
    if (stopping < epsShrink) {
      if (stopping < eps && startFromAll) {
        converged = true;
        break;
      }
      activeSize = l;
      activeSizeI.fill(K);
      epsShrink = Math.max(epsShrink / 2, eps);
      startFromAll = true;
    } else {
      startFromAll = false;
    }
  }

  return { W, objective: crammerSingerPrimalObjective(X, y, K, cost, bias, W), iterations: iter, converged };
}

/**
 * Exact minimiser of one block: min_α ½ A‖α‖² + Bᵀα subject to Σα = 0, α_m ≤ C δ_{m,yi},
 * found by sorting D = B + A·C·e_yi in decreasing order and picking the threshold β.
 */
function solveBlockSubproblem(A: number, yi: number, C: number, active: number, B: Float64Array, sorted: Float64Array, alphaNew: Float64Array): void {
  for (let m = 0; m < active; m++) sorted[m] = B[m]!;
  if (yi < active) sorted[yi]! += A * C;
  const view = sorted.subarray(0, active).sort().reverse();

  let beta = view[0]! - A * C;
  let r = 1;
  for (; r < active && beta < r * view[r]!; r++) beta += view[r]!;
  beta /= r;

  for (let m = 0; m < active; m++) {
    const value = (beta - B[m]!) / A;
    alphaNew[m] = m === yi ? Math.min(C, value) : Math.min(0, value);
  }
}

/** ½ Σ_m ‖[w_m; w_m,B]‖² + Σ_i C_i max_m (1 − δ_{m,y_i} + (w_m − w_{y_i})·x̃_i). */
export function crammerSingerPrimalObjective(X: DenseMatrix, y: Int32Array, K: number, cost: Float64Array, bias: number, W: Float64Array): number {
  const d = X.columns;
  const D1 = d + 1;
  let f = 0.5 * dot(W, 0, W, 0, K * D1);
  const scores = new Float64Array(K);
  for (let i = 0; i < X.rows; i++) {
    for (let m = 0; m < K; m++) scores[m] = dot(X.data, i * d, W, m * D1, d) + W[m * D1 + d]! * bias;
    const yi = y[i]!;
    let slack = 0;
    for (let m = 0; m < K; m++) if (m !== yi) slack = Math.max(slack, 1 + scores[m]! - scores[yi]!);
    f += cost[i]! * slack;
  }
  return f;
}

function swapInt(values: Int32Array, a: number, b: number): void {
  const tmp = values[a]!;
  values[a] = values[b]!;
  values[b] = tmp;
}

function swapFloat(values: Float64Array, a: number, b: number): void {
  const tmp = values[a]!;
  values[a] = values[b]!;
  values[b] = tmp;
}
