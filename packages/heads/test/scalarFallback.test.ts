// Oracle: scikit-learn 1.2 (LogisticRegression, LinearSVC, SVC, KNeighborsClassifier) from the fixtures,
// with the WebAssembly SIMD kernels turned off, so the JavaScript kernels that engines without
// WebAssembly SIMD run meet the same references and tolerances as the other test files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainHead } from '../src/index';
import { setSimdGemmEnabled } from '../src/simdGemm';
import { agreement, casesOfKind, compare, rowsOf, specFor } from './fixtures';

beforeAll(() => setSimdGemmEnabled(false));
afterAll(() => setSimdGemmEnabled(true));

describe.each(casesOfKind('logreg'))('scalar logreg %s', (_name, fixture, _key, reference) => {
  it('objective within 1e-4 of scikit-learn', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference));
    if (head.params.kind !== 'logreg') throw new Error('expected a logreg head');
    const relative = Math.abs(head.params.model.objective - reference.objective!) / reference.objective!;
    // The same bound as logisticRegression.test.ts: the default tol reaches 1e-4 relative in the objective.
    expect(relative, `ours ${head.params.model.objective} vs scikit-learn ${reference.objective}`).toBeLessThanOrEqual(1e-4);
  });
});

describe.each(casesOfKind('linear-svm'))('scalar linear-svm %s', (_name, fixture, _key, reference) => {
  it('decision values match at tight tol', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference, { tol: 1e-8, maxIter: 100000 }));
    // The same bound as linearSvm.test.ts: an objective within ~1e-8 bounds the weight error to about 1e-4·‖w‖.
    const decision = compare(head.decisionFunction(rowsOf(fixture.XTest)), reference.decision!);
    expect(decision.maxAbs, `max abs ${decision.maxAbs} at ${decision.worst}`).toBeLessThanOrEqual(1e-3);
  });
});

describe.each(casesOfKind('svm'))('scalar svm %s', (_name, fixture, _key, reference) => {
  it('support vector counts and decision values match', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference, { seed: 0 }));
    if (head.params.kind !== 'svm') throw new Error('expected an svm head');
    expect(head.params.model.nSupport).toEqual(reference.nSupport);
    // The same bound as kernelSvm.test.ts: libsvm's iterates, fixtures rounded to 10 significant digits.
    const decision = compare(head.decisionFunction(rowsOf(fixture.XTest)), reference.decision!);
    expect(decision.maxAbs, `max abs ${decision.maxAbs} at ${decision.worst}`).toBeLessThanOrEqual(1e-7);
  });
});

describe.each(casesOfKind('knn'))('scalar knn %s', (_name, fixture, _key, reference) => {
  it('predictions and probabilities match', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference));
    const XTest = rowsOf(fixture.XTest);
    expect(agreement(head.predict(XTest), reference.predict)).toBeGreaterThanOrEqual(0.99);
    // The same bound as neighbors.test.ts: same neighbours, 1/d weights rounded differently.
    const proba = compare(head.predictProba(XTest), reference.proba!);
    expect(proba.maxAbs, `max abs ${proba.maxAbs} at ${proba.worst}`).toBeLessThanOrEqual(1e-9);
  });
});
