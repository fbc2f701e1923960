// Oracle: scikit-learn 1.2 LogisticRegression(solver='lbfgs') fitted to tol=1e-10
// (fixtures from scripts/sklearn/generate_head_fixtures.py), so its objective is the optimum.
import { describe, expect, it } from 'vitest';
import { trainHead } from '../src/index';
import { agreement, casesOfKind, compare, rowsOf, specFor } from './fixtures';

describe.each(casesOfKind('logreg'))('logreg %s', (_name, fixture, _key, reference) => {
  const X = rowsOf(fixture.XTrain);
  const XTest = rowsOf(fixture.XTest);

  it('objective within 1e-4 of scikit-learn at default tol', () => {
    const head = trainHead(X, fixture.yTrain, specFor(fixture, reference));
    const p = head.params;
    if (p.kind !== 'logreg') throw new Error('expected a logreg head');
    const relative = Math.abs(p.model.objective - reference.objective!) / reference.objective!;
    // 1e-4 relative is the required accuracy of the optimum; the default tol (1e-4 on ‖∇(J/C)‖∞) reaches it.
    expect(relative, `ours ${p.model.objective} vs scikit-learn ${reference.objective}`).toBeLessThanOrEqual(1e-4);
  });

  it('tight tol matches probabilities and predictions', () => {
    const head = trainHead(X, fixture.yTrain, specFor(fixture, reference, { tol: 1e-9, maxIter: 5000 }));
    const p = head.params;
    if (p.kind !== 'logreg') throw new Error('expected a logreg head');
    const relative = Math.abs(p.model.objective - reference.objective!) / reference.objective!;
    expect(relative, `ours ${p.model.objective} vs scikit-learn ${reference.objective}`).toBeLessThanOrEqual(1e-8);

    expect(agreement(head.predict(XTest), reference.predict)).toBeGreaterThanOrEqual(0.99);

    // scipy's L-BFGS-B stops scikit-learn once the relative decrease of the objective is below ftol = 2.2e-9,
    // which leaves its weights accurate to about √ftol ≈ 5e-5 along flat directions; 5e-4 covers that.
    const proba = compare(head.predictProba(XTest), reference.proba!);
    expect(proba.maxAbs, `max abs ${proba.maxAbs} at ${proba.worst}`).toBeLessThanOrEqual(5e-4);

    // Logits reach |z| ≈ 30 at C = 100, so the same √ftol weight error gives up to ~1e-3 there.
    // The multinomial intercepts are defined up to a common shift, which both solvers keep at Σb = 0 by starting from zero.
    const decision = compare(head.decisionFunction(XTest), reference.decision!);
    expect(decision.maxAbs, `max abs ${decision.maxAbs} (max rel ${decision.maxRel}) at ${decision.worst}`).toBeLessThanOrEqual(5e-3);
  });
});
