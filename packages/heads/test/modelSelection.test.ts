// Oracle: scikit-learn 1.2 StratifiedKFold(5)._make_test_folds and GridSearchCV(SVC(), cv=5) from the fixtures.
import { describe, expect, it } from 'vitest';
import { crossValidate, gridSearch, stratifiedKFold, trainHead } from '../src/index';
import { DATASETS, loadFixture, rowsOf } from './fixtures';

describe('stratifiedKFold', () => {
  it.each(DATASETS)('matches scikit-learn on %s', (name) => {
    const fixture = loadFixture(name);
    const { testFold } = stratifiedKFold(fixture.yTrain, { nSplits: 5 });
    expect(Array.from(testFold)).toEqual(fixture.stratifiedKFold5);
  });

  it('folds partition the samples', () => {
    const fixture = loadFixture('iris');
    const { folds } = stratifiedKFold(fixture.yTrain, { nSplits: 5 });
    const seen = new Int32Array(fixture.yTrain.length);
    for (const { train, test } of folds) {
      expect(train.length + test.length).toBe(fixture.yTrain.length);
      for (const i of test) seen[i]!++;
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  });

  it('shuffle keeps per-class fold sizes', () => {
    const { yTrain } = loadFixture('blobs');
    const plain = stratifiedKFold(yTrain, { nSplits: 5 });
    const shuffled = stratifiedKFold(yTrain, { nSplits: 5, shuffle: true, seed: 7 });
    const again = stratifiedKFold(yTrain, { nSplits: 5, shuffle: true, seed: 7 });
    expect(Array.from(shuffled.testFold)).toEqual(Array.from(again.testFold));
    expect(Array.from(shuffled.testFold)).not.toEqual(Array.from(plain.testFold));
    const countsOf = (testFold: Int32Array) => {
      const counts = new Map<string, number>();
      yTrain.forEach((label, i) => counts.set(`${label}/${testFold[i]}`, (counts.get(`${label}/${testFold[i]}`) ?? 0) + 1));
      return counts;
    };
    expect(countsOf(shuffled.testFold)).toEqual(countsOf(plain.testFold));
  });

  it('rejects more splits than class members', () => {
    expect(() => stratifiedKFold([0, 0, 1, 1], { nSplits: 3 })).toThrow(/nSplits = 3 is greater than the number of members in each class/);
  });
});

function standardize(rows: Float64Array[]): Float64Array[] {
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const row of rows) row.forEach((v, j) => (mean[j]! += v / rows.length));
  for (const row of rows) row.forEach((v, j) => (std[j]! += (v - mean[j]!) ** 2 / rows.length));
  return rows.map((row) => row.map((v, j) => (v - mean[j]!) / Math.sqrt(std[j]!)));
}

describe('gridSearch', () => {
  const fixture = loadFixture('iris');
  const reference = fixture.gridSearch as { grid: { C: number[]; gamma: (number | 'scale')[] }; params: { C: number; gamma: number | 'scale' }[]; meanTestScore: number[]; rankTestScore: number[]; bestParams: { C: number; gamma: number | 'scale' } };

  it('score table matches GridSearchCV', () => {
    // The generator standardized the whole training set before GridSearchCV, so do the same here.
    const X = standardize(rowsOf(fixture.XTrain));
    const result = gridSearch(X, fixture.yTrain, { kind: 'svm', transforms: [] }, reference.grid, { nSplits: 5 });
    expect(result.table.map((row) => row.params)).toEqual(reference.params);
    // The SVM reproduces libsvm's solutions on the same folds, so fold accuracies are identical fractions;
    // 1e-9 covers the fixtures' rounding to 10 significant digits.
    result.table.forEach((row, k) => {
      expect(Math.abs(row.mean - reference.meanTestScore[k]!), `${JSON.stringify(row.params)}: ours ${row.mean} vs ${reference.meanTestScore[k]}`).toBeLessThanOrEqual(1e-9);
    });
    expect(result.table.map((row) => row.rank)).toEqual(reference.rankTestScore);
    expect(result.bestParams).toEqual(reference.bestParams);
  });

  it('crossValidate returns one score per fold', () => {
    const result = crossValidate(rowsOf(fixture.XTrain), fixture.yTrain, { kind: 'logreg', transforms: ['standardize'] }, { nSplits: 4 });
    expect(result.scores).toHaveLength(4);
    expect(result.mean).toBeGreaterThan(0.8);
  });

  it('trainHead is deterministic for a seed', () => {
    const X = rowsOf(fixture.XTrain);
    const a = trainHead(X, fixture.yTrain, { kind: 'svm', probability: true, seed: 3 }).predictProba(X);
    const b = trainHead(X, fixture.yTrain, { kind: 'svm', probability: true, seed: 3 }).predictProba(X);
    expect(a).toEqual(b);
  });
});
