import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { HeadSpec } from '@offshelf/heads';
import { describe, expect, it } from 'vitest';

import { crossValidate } from '../src/model/cross-validate';

// Oracle: scikit-learn 1.2's cross_val_score(scoring='roc_auc') with StratifiedKFold(5) on the
// breast cancer training split, standardized once on the whole split, stored by
// scripts/sklearn/generate_head_fixtures.py in the heads package's fixtures.
interface CancerFixture {
  XTrain: { rows: number; columns: number; data: number[] };
  yTrain: number[];
  crossValidatedRocAuc: Record<'linearSvm' | 'rbfSvm', { C: number; folds: number[] }>;
}

const testFolder = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(testFolder, '../../heads/test/fixtures/breast_cancer.json'), 'utf8')) as CancerFixture;

// Tolerance 1e-6: an area depends only on the ranks of the decision values, and the fixture keeps
// 10 significant digits. A swap of two near-tied ranks would move a fold's area by about
// 1 / (positives × negatives), 0.0007 for these folds, and fail the test.
const TOLERANCE = 1e-6;

/** Returns the training rows standardized with the mean and population deviation of all of them. */
function standardizedRows(): Float32Array[] {
  const { rows, columns, data } = fixture.XTrain;
  const mean = new Float64Array(columns);
  const deviation = new Float64Array(columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) mean[j]! += data[i * columns + j]! / rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) deviation[j]! += (data[i * columns + j]! - mean[j]!) ** 2 / rows;
  return Array.from({ length: rows }, (_, i) =>
    Float32Array.from({ length: columns }, (_, j) => (data[i * columns + j]! - mean[j]!) / Math.sqrt(deviation[j]!)),
  );
}

describe('cross-validated ROC AUC of SVMs', () => {
  const rows = standardizedRows();
  const labels = Int32Array.from(fixture.yTrain);
  const cases: Array<[string, HeadSpec, number[]]> = [
    ['linear-svm', { kind: 'linear-svm', C: fixture.crossValidatedRocAuc.linearSvm.C, tol: 1e-10, maxIter: 1_000_000 }, fixture.crossValidatedRocAuc.linearSvm.folds],
    ['rbf-svm', { kind: 'rbf-svm', C: fixture.crossValidatedRocAuc.rbfSvm.C }, fixture.crossValidatedRocAuc.rbfSvm.folds],
  ];

  it.each(cases)('%s folds match scikit-learn', async (_, spec, expected) => {
    const result = await crossValidate(rows, labels, ['malignant', 'benign'], spec, 5);

    expect(result.probabilities).toBeUndefined();
    expect(result.foldRocAuc).toHaveLength(5);
    const errors = result.foldRocAuc!.map((area, fold) => Math.abs(area - expected[fold]!));
    expect(Math.max(...errors), `fold areas ${result.foldRocAuc!.join(', ')}, scikit-learn ${expected.join(', ')}`).toBeLessThan(TOLERANCE);
  });

  it('leaves heads with probabilities to pooled scores', async () => {
    const result = await crossValidate(rows, labels, ['malignant', 'benign'], { kind: 'logreg' }, 5);

    expect(result.probabilities).toHaveLength(rows.length);
    expect(result.foldRocAuc).toBeUndefined();
  });
});
