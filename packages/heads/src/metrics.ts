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

/** Rejects class probabilities that do not give one row of `labels.length` values per sample. */
function checkProbabilities(yTrue: ArrayLike<Label>, proba: ArrayLike<number>[], labels: readonly Label[]): void {
  if (yTrue.length !== proba.length) throw new Error(`yTrue has ${yTrue.length} labels but proba has ${proba.length} rows: pass one row per sample`);
  if (yTrue.length === 0) throw new Error('yTrue is empty: metrics need at least one sample');
  const row = proba.findIndex((values) => values.length !== labels.length);
  if (row !== -1) throw new Error(`proba[${row}] has ${proba[row]!.length} values but there are ${labels.length} labels: pass one column per label, in labels order`);
  const unknown = Array.from(yTrue).findIndex((label) => !labels.includes(label));
  if (unknown !== -1) throw new Error(`yTrue[${unknown}] is ${JSON.stringify(yTrue[unknown])}, which is not among the labels ${JSON.stringify(labels)}`);
}

/**
 * Returns the area under the ROC curve of binary scores, as scikit-learn's roc_auc_score. It is the
 * chance that a random sample of class `positive` scores higher than a random sample of another
 * class, with ties counting half (the trapezoidal area), computed from average ranks.
 */
export function rocAucScore(yTrue: ArrayLike<Label>, scores: ArrayLike<number>, positive: Label): number {
  if (yTrue.length !== scores.length) throw new Error(`yTrue has ${yTrue.length} labels but scores has ${scores.length}: pass one score per sample`);
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);

  // Average rank (1-based) of each run of tied scores.
  let positiveRankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end++;
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (yTrue[order[k]!] === positive) {
        positiveRankSum += averageRank;
        positives++;
      }
    }
    start = end;
  }

  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`yTrue has ${positives === 0 ? 'no' : 'only'} samples of class ${JSON.stringify(positive)}: ROC AUC needs both positive and negative samples`);
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Returns the ROC AUC of class probabilities: for two labels, that of the second label's column; for more,
 * the mean over the labels of each label's AUC against the rest, as scikit-learn's
 * roc_auc_score(multi_class='ovr', average='macro'). Columns of `proba` follow `labels`.
 */
export function rocAucFromProbabilities(yTrue: ArrayLike<Label>, proba: ArrayLike<number>[], labels: readonly Label[]): number {
  checkProbabilities(yTrue, proba, labels);
  if (labels.length === 2) return rocAucScore(yTrue, proba.map((row) => row[1]!), labels[1]!);
  const areas = labels.map((label, column) => rocAucScore(yTrue, proba.map((row) => row[column]!), label));
  return areas.reduce((sum, area) => sum + area, 0) / areas.length;
}

/**
 * Returns the mean negative log-likelihood of the true classes (cross-entropy), as scikit-learn 1.2's log_loss:
 * probabilities are clipped to [1e-15, 1 − 1e-15] and each row is scaled to sum to 1 again.
 * Columns of `proba` follow `labels`.
 */
export function logLoss(yTrue: ArrayLike<Label>, proba: ArrayLike<number>[], labels: readonly Label[]): number {
  checkProbabilities(yTrue, proba, labels);
  const eps = 1e-15;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const clipped = Array.from(proba[i]!, (p) => Math.min(Math.max(p, eps), 1 - eps));
    const rowSum = clipped.reduce((sum, p) => sum + p, 0);
    total -= Math.log(clipped[labels.indexOf(yTrue[i]!)]! / rowSum);
  }
  return total / yTrue.length;
}
