/**
 * Objective callback: writes ∇f(x) into `gradient` and returns f(x).
 */
export type ObjectiveWithGradient = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Stop when ‖∇f‖∞ ≤ gtol (scipy's L-BFGS-B `gtol`, which scikit-learn sets to `tol`). */
  gtol: number;
  /** Stop when (f_old − f) / max(|f_old|, |f|, 1) ≤ ftol (scipy's L-BFGS-B default 2.22e-9). */
  ftol?: number;
  /** Maximum number of L-BFGS iterations (scipy's `maxiter`). */
  maxIter: number;
  /** Number of correction pairs kept (scipy's `maxcor`, default 10). */
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  gradientMaxAbs: number;
  iterations: number;
  converged: boolean;
  message: string;
}

const C1 = 1e-4; // sufficient-decrease (Armijo) constant of the Wolfe conditions
const C2 = 0.9; // curvature constant, the usual choice for quasi-Newton methods
const MAX_LINE_SEARCH_STEPS = 40;

/**
 * Minimises a smooth function with L-BFGS (Nocedal and Wright, Numerical
 * Optimization, Algorithms 7.4 and 7.5): the two-loop recursion gives the search
 * direction, and a line search picks a step satisfying the strong Wolfe conditions
 *   f(x + a·d) ≤ f(x) + c1·a·∇f·d   and   |∇f(x + a·d)·d| ≤ c2·|∇f·d|.
 * Stops when ‖∇f‖∞ ≤ gtol, when the relative decrease of f falls below ftol,
 * or after maxIter iterations (then `converged` is false).
 */
export function minimizeLbfgs(fg: ObjectiveWithGradient, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 10;
  const ftol = options.ftol ?? 2.220446049250313e-9;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fg(x, g);
  if (!Number.isFinite(f)) throw new Error(`L-BFGS: the objective is ${f} at the starting point`);

  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const alphaScratch = new Float64Array(m);
  const d = new Float64Array(n);
  const line = new LineSearch(fg, n);

  let gMax = maxAbs(g);
  if (gMax <= options.gtol) return { x, f, gradientMaxAbs: gMax, iterations: 0, converged: true, message: 'gradient below gtol' };

  for (let iter = 1; iter <= options.maxIter; iter++) {
    // Two-loop recursion: d = −H·g with H the L-BFGS inverse-Hessian approximation.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    const k = sHistory.length;
    for (let h = k - 1; h >= 0; h--) {
      const a = rhoHistory[h]! * dotFull(sHistory[h]!, d);
      alphaScratch[h] = a;
      axpy(-a, yHistory[h]!, d);
    }
    if (k > 0) {
      const yLast = yHistory[k - 1]!;
      const gamma = dotFull(sHistory[k - 1]!, yLast) / dotFull(yLast, yLast);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    }
    for (let h = 0; h < k; h++) {
      const b = rhoHistory[h]! * dotFull(yHistory[h]!, d);
      axpy(alphaScratch[h]! - b, sHistory[h]!, d);
    }

    let slope = dotFull(g, d);
    if (!(slope < 0)) {
      // The approximation lost positive definiteness: restart from steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = -dotFull(g, g);
    }

    // The first step has no curvature information, so it is scaled to length 1.
    const initialStep = sHistory.length === 0 ? Math.min(1, 1 / Math.sqrt(dotFull(d, d))) : 1;
    const step = line.search(x, f, d, slope, initialStep);
    if (step === undefined) {
      return { x, f, gradientMaxAbs: gMax, iterations: iter, converged: false, message: 'line search found no point satisfying the Wolfe conditions' };
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = line.x[i]! - x[i]!;
      y[i] = line.g[i]! - g[i]!;
    }
    const fOld = f;
    x.set(line.x);
    g.set(line.g);
    f = line.f;

    const sy = dotFull(s, y);
    if (sy > 1e-10 * dotFull(y, y)) {
      // Keep only pairs with positive curvature so H stays positive definite.
      if (sHistory.length === m) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / sy);
    }

    gMax = maxAbs(g);
    if (gMax <= options.gtol) return { x, f, gradientMaxAbs: gMax, iterations: iter, converged: true, message: 'gradient below gtol' };
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      return { x, f, gradientMaxAbs: gMax, iterations: iter, converged: true, message: 'relative decrease of f below ftol' };
    }
  }
  return { x, f, gradientMaxAbs: gMax, iterations: options.maxIter, converged: false, message: `reached max_iter = ${options.maxIter}` };
}

/** Strong Wolfe line search (Nocedal and Wright, Algorithms 3.5 and 3.6) with quadratic interpolation in the zoom phase. */
class LineSearch {
  readonly x: Float64Array;
  readonly g: Float64Array;
  f = 0;
  private readonly trialX: Float64Array;
  private readonly trialG: Float64Array;

  constructor(
    private readonly fg: ObjectiveWithGradient,
    n: number,
  ) {
    this.x = new Float64Array(n);
    this.g = new Float64Array(n);
    this.trialX = new Float64Array(n);
    this.trialG = new Float64Array(n);
  }

  /** Returns the accepted step (its point, value and gradient stay in x, f, g), or undefined. */
  search(x0: Float64Array, f0: number, d: Float64Array, slope0: number, initialStep: number): number | undefined {
    let aPrev = 0;
    let fPrev = f0;
    let slopePrev = slope0;
    let a = initialStep;

    for (let i = 0; i < MAX_LINE_SEARCH_STEPS; i++) {
      const fa = this.evaluate(x0, d, a);
      if (fa > f0 + C1 * a * slope0 || (i > 0 && fa >= fPrev) || !Number.isFinite(fa)) {
        return this.zoom(x0, f0, slope0, d, aPrev, fPrev, slopePrev, a, fa);
      }
      const slopeA = dotFull(this.trialG, d);
      if (Math.abs(slopeA) <= -C2 * slope0) return this.accept(a, fa);
      if (slopeA >= 0) {
        this.accept(a, fa);
        return this.zoom(x0, f0, slope0, d, a, fa, slopeA, aPrev, fPrev);
      }

      this.accept(a, fa);
      aPrev = a;
      fPrev = fa;
      slopePrev = slopeA;
      a *= 2;
    }
    return undefined;
  }

  private zoom(
    x0: Float64Array,
    f0: number,
    slope0: number,
    d: Float64Array,
    aLo: number,
    fLo: number,
    slopeLo: number,
    aHi: number,
    fHi: number,
  ): number | undefined {
    let bestStep: number | undefined;
    for (let i = 0; i < MAX_LINE_SEARCH_STEPS; i++) {
      // Minimiser of the quadratic through (aLo, fLo, slopeLo) and (aHi, fHi), kept inside the bracket.
      const width = aHi - aLo;
      const denominator = 2 * (fHi - fLo - slopeLo * width);
      let a = Number.isFinite(fHi) && denominator > 0 ? aLo - (slopeLo * width * width) / denominator : aLo + 0.5 * width;
      const lower = Math.min(aLo, aHi) + 0.1 * Math.abs(width);
      const upper = Math.max(aLo, aHi) - 0.1 * Math.abs(width);
      if (!(a >= lower && a <= upper)) a = aLo + 0.5 * width;

      const fa = this.evaluate(x0, d, a);
      if (fa > f0 + C1 * a * slope0 || fa >= fLo || !Number.isFinite(fa)) {
        aHi = a;
        fHi = fa;
      } else {
        const slopeA = dotFull(this.trialG, d);
        this.accept(a, fa);
        bestStep = a;
        if (Math.abs(slopeA) <= -C2 * slope0) return a;
        if (slopeA * (aHi - aLo) >= 0) {
          aHi = aLo;
          fHi = fLo;
        }
        aLo = a;
        fLo = fa;
        slopeLo = slopeA;
      }
      if (Math.abs(aHi - aLo) <= 1e-16 * Math.max(1, Math.abs(aLo))) break;
    }
    // The bracket collapsed: the last accepted point (aLo) still has sufficient decrease.
    if (bestStep !== undefined) return bestStep;
    return aLo > 0 ? aLo : undefined;
  }

  private evaluate(x0: Float64Array, d: Float64Array, a: number): number {
    for (let i = 0; i < x0.length; i++) this.trialX[i] = x0[i]! + a * d[i]!;
    return this.fg(this.trialX, this.trialG);
  }

  private accept(a: number, fa: number): number {
    this.x.set(this.trialX);
    this.g.set(this.trialG);
    this.f = fa;
    return a;
  }
}

function dotFull(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(alpha: number, xs: Float64Array, ys: Float64Array): void {
  for (let i = 0; i < xs.length; i++) ys[i]! += alpha * xs[i]!;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}
