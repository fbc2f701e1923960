// Oracle: scikit-learn 1.2's _sigmoid_calibration (BFGS on Platt's cross-entropy with smoothed
// targets) on fixed SVC decision values from the breast cancer fixture.
import { describe, expect, it } from 'vitest';
import { fitSigmoid } from '../src/platt';
import { trainHead } from '../src/index';
import { loadFixture, rowsOf } from './fixtures';

const cancer = loadFixture('breast_cancer');
const reference = cancer.platt as { decision: number[]; labels: number[]; A: number; B: number };

describe('Platt scaling', () => {
  it('sigmoid matches scikit-learn', () => {
    const { A, B } = fitSigmoid(Float64Array.from(reference.decision), Uint8Array.from(reference.labels, (l) => (l > 0 ? 1 : 0)));
    // Both minimise the same strictly convex function; scipy's BFGS stops at ‖∇‖ < 1e-5 and libsvm's
    // Newton at |∂| < 1e-5, so A and B agree to about 1e-5 of their curvature-scaled size.
    expect(Math.abs(A - reference.A), `A: ours ${A} vs scikit-learn ${reference.A}`).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(B - reference.B), `B: ours ${B} vs scikit-learn ${reference.B}`).toBeLessThanOrEqual(1e-4);
  });

  it('linear-svm probabilities are calibrated', () => {
    // No scikit-learn reference (LinearSVC has no predict_proba), so check properties:
    // rows sum to 1 and the log loss beats predicting the class frequencies.
    const iris = loadFixture('iris');
    const head = trainHead(rowsOf(iris.XTrain), iris.yTrain, { kind: 'linear-svm', transforms: ['standardize'], probability: true, seed: 1 });
    const proba = head.predictProba(rowsOf(iris.XTest));
    let logLoss = 0;
    proba.forEach((row, i) => {
      expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-12);
      logLoss -= Math.log(row[head.classes.indexOf(iris.yTest[i]!)]!);
    });
    logLoss /= proba.length;
    expect(logLoss, `log loss ${logLoss} vs ${Math.log(3)} for class frequencies`).toBeLessThan(0.5 * Math.log(3));
  });
});
