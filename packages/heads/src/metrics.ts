import type { Label } from './data';
import { sortClasses } from './labels';

function checkLengths(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): void {
  if (yTrue.length !== yPred.length) throw new Error(`yTrue has ${yTrue.length} labels but yPred has ${yPred.length}: pass one prediction per sample`);
  if (yTrue.length === 0) throw new Error('yTrue is empty: metrics need at least one sample');
}

/** Fraction of samples predicted correctly. */
export function accuracyScore(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): number {
  checkLengths(yTrue, yPred);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/**
 * Confusion matrix C with C[i][j] = number of samples of true class labels[i]
 * predicted as labels[j]; labels default to the sorted union of both arrays, as scikit-learn.
 */
export function confusionMatrix(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>, labels?: Label[]): { labels: Label[]; matrix: number[][] } {
  checkLengths(yTrue, yPred);
  const used = labels ?? sortClasses([...Array.from(yTrue), ...Array.from(yPred)]);
  const index = new Map(used.map((l, k) => [l, k]));
  const matrix = used.map(() => new Array<number>(used.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]!);
    const p = index.get(yPred[i]!);
    if (t !== undefined && p !== undefined) matrix[t]![p]!++;
  }
  return { labels: used, matrix };
}

/** Mean recall over the classes present in yTrue, as scikit-learn's balanced_accuracy_score. */
export function balancedAccuracyScore(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): number {
  const { matrix } = confusionMatrix(yTrue, yPred);
  let sum = 0;
  let count = 0;
  for (let k = 0; k < matrix.length; k++) {
    const support = matrix[k]!.reduce((s, v) => s + v, 0);
    if (support === 0) continue;
    sum += matrix[k]![k]! / support;
    count++;
  }
  return sum / count;
}

export interface ClassificationReport {
  labels: Label[];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  accuracy: number;
  balancedAccuracy: number;
  macroAvg: { precision: number; recall: number; f1: number };
  weightedAvg: { precision: number; recall: number; f1: number };
  confusionMatrix: number[][];
}

/**
 * Per-class precision, recall and F1 with their macro and support-weighted means,
 * as scikit-learn's classification_report; a ratio with a zero denominator is 0
 * (scikit-learn's zero_division default).
 */
export function classificationReport(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>, labels?: Label[]): ClassificationReport {
  const { labels: used, matrix } = confusionMatrix(yTrue, yPred, labels);
  const K = used.length;
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];

  for (let k = 0; k < K; k++) {
    const truePositive = matrix[k]![k]!;
    let predicted = 0;
    for (let t = 0; t < K; t++) predicted += matrix[t]![k]!;
    const actual = matrix[k]!.reduce((s, v) => s + v, 0);
    const p = predicted > 0 ? truePositive / predicted : 0;
    const r = actual > 0 ? truePositive / actual : 0;
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
    support.push(actual);
  }

  const total = support.reduce((s, v) => s + v, 0);
  const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / K;
  const weighted = (values: number[]): number => (total > 0 ? values.reduce((s, v, k) => s + v * support[k]!, 0) / total : 0);

  return {
    labels: used,
    precision,
    recall,
    f1,
    support,
    accuracy: accuracyScore(yTrue, yPred),
    balancedAccuracy: balancedAccuracyScore(yTrue, yPred),
    macroAvg: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    weightedAvg: { precision: weighted(precision), recall: weighted(recall), f1: weighted(f1) },
    confusionMatrix: matrix,
  };
}
