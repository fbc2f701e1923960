// Oracle: scikit-learn 1.2 KNeighborsClassifier (brute force) and NearestCentroid from the fixtures.
import { describe, expect, it } from 'vitest';
import { trainHead } from '../src/index';
import { agreement, casesOfKind, compare, rowsOf, specFor } from './fixtures';

describe.each(casesOfKind('knn'))('knn %s', (_name, fixture, _key, reference) => {
  it('predictions and probabilities match', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference));
    const XTest = rowsOf(fixture.XTest);
    expect(agreement(head.predict(XTest), reference.predict)).toBeGreaterThanOrEqual(0.99);
    // Same neighbours give the same vote fractions; 1e-9 allows for distance rounding in the 1/d weights.
    const proba = compare(head.predictProba(XTest), reference.proba!);
    expect(proba.maxAbs, `max abs ${proba.maxAbs} at ${proba.worst}`).toBeLessThanOrEqual(1e-9);
  });
});

describe.each(casesOfKind('nearest-centroid'))('nearest-centroid %s', (_name, fixture, _key, reference) => {
  it('predictions match', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference));
    expect(agreement(head.predict(rowsOf(fixture.XTest)), reference.predict)).toBeGreaterThanOrEqual(0.99);
  });
});
