// Oracles: the known minimiser of each function (analytic float64 reference) and scipy 1.10's L-BFGS-B.
import { describe, expect, it } from 'vitest';
import { minimizeLbfgs } from '../src/lbfgs';

describe('minimizeLbfgs', () => {
  it('finds the Rosenbrock minimum', () => {
    // f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1); the curved valley needs a working line search.
    const rosenbrock = (p: Float64Array, g: Float64Array): number => {
      const [x, y] = [p[0]!, p[1]!];
      g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
      g[1] = 200 * (y - x * x);
      return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    };
    const result = minimizeLbfgs(rosenbrock, Float64Array.from([-1.2, 1]), { gtol: 1e-10, ftol: 0, maxIter: 500 });
    expect(result.converged, result.message).toBe(true);
    // Near the minimum the Hessian has eigenvalues ~0.4 and ~1000, so ‖∇f‖ ≤ 1e-10 bounds the error by ~1e-9.
    expect(Math.abs(result.x[0]! - 1), `x = ${result.x[0]}`).toBeLessThanOrEqual(1e-7);
    expect(Math.abs(result.x[1]! - 1), `y = ${result.x[1]}`).toBeLessThanOrEqual(1e-7);
  });

  it('matches scipy on a quadratic', () => {
    // scipy 1.10 L-BFGS-B (maxcor 10, ftol 0) reaches f = 7.683574147746639 after 50 iterations on the
    // quadratic below. Both take the unit step whenever it satisfies the Wolfe conditions and use the same
    // update, so the iterates agree; 1e-6 relative allows for their different line-search interpolation.
    const n = 50;
    const c = Float64Array.from({ length: n }, (_, i) => 10 ** ((4 * i) / (n - 1)));
    const quadratic = (x: Float64Array, g: Float64Array): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        g[i] = c[i]! * (x[i]! - 1);
        f += 0.5 * c[i]! * (x[i]! - 1) ** 2;
      }
      return f;
    };
    const result = minimizeLbfgs(quadratic, new Float64Array(n), { gtol: 1e-8, ftol: 0, maxIter: 50 });
    expect(Math.abs(result.f - 7.683574147746639) / 7.683574147746639, `f = ${result.f}`).toBeLessThanOrEqual(1e-6);
  });

  it('solves an ill-conditioned quadratic', () => {
    // f(x) = ½ Σ c_i (x_i − 1)² with c_i from 1 to 1e4: minimiser x = 1 everywhere.
    const n = 50;
    const c = Float64Array.from({ length: n }, (_, i) => 10 ** ((4 * i) / (n - 1)));
    const quadratic = (x: Float64Array, g: Float64Array): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        g[i] = c[i]! * (x[i]! - 1);
        f += 0.5 * c[i]! * (x[i]! - 1) ** 2;
      }
      return f;
    };
    // L-BFGS with 10 pairs needs several hundred iterations here (scipy's L-BFGS-B too: f = 7.68 after 50).
    const result = minimizeLbfgs(quadratic, new Float64Array(n), { gtol: 1e-8, ftol: 0, maxIter: 5000 });
    expect(result.converged, result.message).toBe(true);
    // ‖∇f‖∞ ≤ 1e-8 with smallest curvature 1 bounds each |x_i − 1| by 1e-8.
    let maxError = 0;
    for (let i = 0; i < n; i++) maxError = Math.max(maxError, Math.abs(result.x[i]! - 1));
    expect(maxError).toBeLessThanOrEqual(1e-8);
  });
});
