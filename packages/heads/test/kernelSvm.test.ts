// Oracle: scikit-learn 1.2 SVC (libsvm SMO, tol=1e-3) from the fixtures.
import { describe, expect, it } from 'vitest';
import { trainHead } from '../src/index';
import { agreement, casesOfKind, compare, rowsOf, specFor } from './fixtures';

describe.each(casesOfKind('svm'))('svm %s', (_name, fixture, _key, reference) => {
  const X = rowsOf(fixture.XTrain);
  const XTest = rowsOf(fixture.XTest);
  const head = trainHead(X, fixture.yTrain, specFor(fixture, reference, { seed: 0 }));
  const p = head.params;
  if (p.kind !== 'svm') throw new Error('expected an svm head');

  it('resolves gamma like scikit-learn', () => {
    const relative = Math.abs(p.model.kernel.gamma - reference.gammaValue!) / reference.gammaValue!;
    // 'scale' sums squares of every feature value; float64 summation order differs from numpy's pairwise sum.
    expect(relative, `ours ${p.model.kernel.gamma} vs scikit-learn ${reference.gammaValue}`).toBeLessThanOrEqual(1e-12);
  });

  it('support vector counts and predictions agree', () => {
    // Our SMO takes libsvm's steps (same working sets, float32 kernel cache), so the support sets are identical.
    expect(p.model.nSupport).toEqual(reference.nSupport);
    expect(agreement(head.predict(XTest), reference.predict)).toBeGreaterThanOrEqual(0.99);
  });

  it('decision values match', () => {
    // Same iterates as libsvm, so the only difference left is the fixtures' rounding to 10 significant
    // digits (≤ 5e-10 for these |values| < 5); 1e-7 leaves room for float64 summation order.
    const decision = compare(head.decisionFunction(XTest), reference.decision!);
    expect(decision.maxAbs, `max abs ${decision.maxAbs} at ${decision.worst}`).toBeLessThanOrEqual(1e-7);
    if (reference.decisionOvo !== undefined) {
      const ovoHead = trainHead(X, fixture.yTrain, specFor(fixture, reference, { decisionFunctionShape: 'ovo' }));
      const ovo = compare(ovoHead.decisionFunction(XTest), reference.decisionOvo);
      expect(ovo.maxAbs, `ovo max abs ${ovo.maxAbs} at ${ovo.worst}`).toBeLessThanOrEqual(1e-7);
    }
  });

  it('kernel rows on demand give the same model', () => {
    // A cache too small for the kernel matrix of all samples makes every one-vs-one problem compute its
    // kernel rows one matrix-vector product at a time, the path large training sets take.
    const onDemand = trainHead(X, fixture.yTrain, specFor(fixture, reference, { seed: 0, cacheSize: 1e-6 }));
    if (onDemand.params.kind !== 'svm') throw new Error('expected an svm head');
    expect(onDemand.params.model.nSupport).toEqual(reference.nSupport);
    const decision = compare(onDemand.decisionFunction(XTest), reference.decision!);
    expect(decision.maxAbs, `max abs ${decision.maxAbs} at ${decision.worst}`).toBeLessThanOrEqual(1e-7);
  });

  it.runIf(reference.proba !== undefined)('Platt probabilities close', () => {
    // libsvm draws the 5 Platt folds with C rand(), which we cannot reproduce, so the sigmoid is fitted on
    // different cross-validated decision values: probabilities agree on average, not per point.
    const proba = compare(head.predictProba(XTest), reference.proba!);
    const ours = head.predictProba(XTest);
    let sum = 0;
    for (let i = 0; i < reference.proba!.rows; i++) {
      for (let j = 0; j < reference.proba!.columns; j++) sum += Math.abs(ours[i]![j]! - reference.proba!.data[i * reference.proba!.columns + j]!);
    }
    const meanAbs = sum / reference.proba!.data.length;
    expect(meanAbs, `mean abs ${meanAbs}, max abs ${proba.maxAbs} at ${proba.worst}`).toBeLessThanOrEqual(0.03);
    expect(proba.maxAbs, `max abs ${proba.maxAbs} at ${proba.worst}`).toBeLessThanOrEqual(0.2);
    for (const row of ours) expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-9);
  });
});
