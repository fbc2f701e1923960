// Oracle: scikit-learn 1.2 accuracy_score, balanced_accuracy_score, precision_recall_fscore_support
// (zero_division=0) and confusion_matrix on iris test predictions from the fixture.
import { describe, expect, it } from 'vitest';
import { accuracyScore, balancedAccuracyScore, classificationReport, confusionMatrix } from '../src/index';
import { loadFixture } from './fixtures';

const reference = loadFixture('iris').metrics as Record<string, any>;
// Ratios of small integers: the only error is float64 rounding (fixtures keep 10 significant digits).
const TOLERANCE = 1e-9;

describe('metrics', () => {
  it('accuracy and balanced accuracy', () => {
    expect(Math.abs(accuracyScore(reference.yTrue, reference.yPred) - reference.accuracy)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(balancedAccuracyScore(reference.yTrue, reference.yPred) - reference.balancedAccuracy)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('per-class report', () => {
    const report = classificationReport(reference.yTrue, reference.yPred);
    expect(report.labels).toEqual(reference.labels);
    expect(report.support).toEqual(reference.support);
    for (const key of ['precision', 'recall', 'f1'] as const) {
      report[key].forEach((v, k) => expect(Math.abs(v - reference[key][k]), `${key}[${k}]: ours ${v} vs ${reference[key][k]}`).toBeLessThanOrEqual(TOLERANCE));
    }
  });

  it('confusion matrix', () => {
    expect(confusionMatrix(reference.yTrue, reference.yPred).matrix).toEqual(reference.confusionMatrix);
  });

  it('zero division gives 0 and absent true classes are skipped', () => {
    // Hand-computed: class 2 is predicted but never true, so its precision and recall are 0.
    const report = classificationReport([0, 0, 1, 1], [0, 2, 1, 1]);
    expect(report.labels).toEqual([0, 1, 2]);
    expect(report.precision).toEqual([1, 1, 0]);
    expect(report.recall).toEqual([0.5, 1, 0]);
    expect(balancedAccuracyScore([0, 0, 1, 1], [0, 2, 1, 1])).toBe(0.75);
  });
});
