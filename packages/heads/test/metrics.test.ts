// Oracle: scikit-learn 1.2 accuracy_score, balanced_accuracy_score, precision_recall_fscore_support
// (zero_division=0) and confusion_matrix on iris test predictions from the fixture, and
// roc_auc_score and log_loss on logistic regression probabilities of iris and breast cancer.
import { describe, expect, it } from 'vitest';
import { accuracyScore, balancedAccuracyScore, classificationReport, confusionMatrix, logLoss, rocAucFromProbabilities, rocAucScore } from '../src/index';
import type { Label } from '../src/index';
import { loadFixture, rowsOf } from './fixtures';

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

  it.each([
    ['breast_cancer', 'rocAuc'],
    ['iris', 'rocAucOvrMacro'],
  ])('ROC AUC and log loss of %s probabilities', (dataset, aucKey) => {
    const scores = loadFixture(dataset).scoreMetrics as Record<string, any>;
    const proba = rowsOf(scores.proba);
    const labels = scores.labels as Label[];
    // Sums of at most a few hundred float64 terms: the error is float64 rounding.
    const auc = rocAucFromProbabilities(scores.yTrue, proba, labels);
    expect(Math.abs(auc - scores[aucKey]), `ours ${auc} vs ${scores[aucKey]}`).toBeLessThanOrEqual(1e-12);
    const loss = logLoss(scores.yTrue, proba, labels);
    expect(Math.abs(loss - scores.logLoss), `ours ${loss} vs ${scores.logLoss}`).toBeLessThanOrEqual(1e-12);
  });

  it('ROC AUC counts ties half', () => {
    // scikit-learn's documented example, and all scores tied.
    expect(rocAucScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 1)).toBe(0.75);
    expect(rocAucScore(['a', 'b', 'a', 'b'], [0.5, 0.5, 0.5, 0.5], 'b')).toBe(0.5);
  });

  it('names bad score input', () => {
    expect(() => rocAucScore([1, 1], [0.2, 0.3], 1)).toThrow('yTrue has only samples of class 1: ROC AUC needs both positive and negative samples');
    expect(() => logLoss([0, 1], [[0.5, 0.5]], [0, 1])).toThrow('yTrue has 2 labels but proba has 1 rows');
    expect(() => logLoss([0, 2], [[0.5, 0.5], [0.1, 0.9]], [0, 1])).toThrow('yTrue[1] is 2, which is not among the labels [0,1]');
    expect(() => rocAucFromProbabilities([0, 1], [[1], [0]], [0, 1])).toThrow('proba[0] has 1 values but there are 2 labels');
  });
});
