/**
 * Classification reports for `train` and `evaluate`: @offshelf/heads' metrics
 * (scikit-learn 1.2 definitions) with class names, and their text tables.
 */
import { classificationReport, logLoss, rocAucFromProbabilities } from '@offshelf/heads';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Samples of this class in y_true. */
  support: number;
}

export interface NamedClassificationReport {
  accuracy: number;
  balancedAccuracy: number;
  /** Class names, in the order of `confusionMatrix` rows and columns. */
  labels: string[];
  /** confusionMatrix[i][j]: samples of class i predicted as class j. */
  confusionMatrix: number[][];
  perClass: Record<string, ClassMetrics>;
  /**
   * Area under the ROC curve of the head's probabilities: of the second class for two, else the
   * mean one-vs-rest area over the classes. Absent without probabilities, or when a class has no sample.
   */
  rocAuc?: number;
  /** Mean negative log-probability of the true classes; absent when the head gives no probabilities. */
  logLoss?: number;
}

/** Computes the report from true and predicted class indices into `classNames`. */
export function namedClassificationReport(yTrue: Int32Array, yPred: Int32Array, classNames: string[]): NamedClassificationReport {
  const indices = classNames.map((_, index) => index);
  const report = classificationReport(Array.from(yTrue), Array.from(yPred), indices);
  const perClass: Record<string, ClassMetrics> = {};
  classNames.forEach((name, k) => {
    perClass[name] = { precision: report.precision[k]!, recall: report.recall[k]!, f1: report.f1[k]!, support: report.support[k]! };
  });
  return { accuracy: report.accuracy, balancedAccuracy: report.balancedAccuracy, labels: classNames, confusionMatrix: report.confusionMatrix, perClass };
}

/**
 * Adds ROC AUC and log loss from class probabilities (columns = class indices) to `report`,
 * as scikit-learn's roc_auc_score (one-vs-rest, macro, for more than two classes) and log_loss.
 */
export function withScoreMetrics(report: NamedClassificationReport, yTrue: Int32Array, proba: Float64Array[] | undefined): NamedClassificationReport {
  if (proba === undefined) return report;
  const labels = report.labels.map((_, index) => index);
  const everyClassPresent = labels.every((label) => yTrue.includes(label));
  const truth = Array.from(yTrue);
  return {
    ...report,
    ...(everyClassPresent ? { rocAuc: rocAucFromProbabilities(truth, proba, labels) } : {}),
    logLoss: logLoss(truth, proba, labels),
  };
}

/** Formats the report as text tables: per-class metrics, then the confusion matrix. */
export function formatClassificationReport(report: NamedClassificationReport): string {
  const nameWidth = Math.max(5, ...report.labels.map((label) => label.length));
  const lines = [`${'class'.padEnd(nameWidth)}  precision  recall  f1      support`];
  for (const label of report.labels) {
    const metrics = report.perClass[label]!;
    lines.push(
      `${label.padEnd(nameWidth)}  ${metrics.precision.toFixed(4).padStart(9)}  ${metrics.recall.toFixed(4)}  ${metrics.f1.toFixed(4)}  ${String(metrics.support).padStart(7)}`,
    );
  }
  lines.push('', `accuracy           ${report.accuracy.toFixed(4)}`, `balanced accuracy  ${report.balancedAccuracy.toFixed(4)}`);
  if (report.rocAuc !== undefined) lines.push(`ROC AUC            ${report.rocAuc.toFixed(4)}${report.labels.length > 2 ? ' (one-vs-rest, macro)' : ` (${report.labels[1]} positive)`}`);
  if (report.logLoss !== undefined) lines.push(`log loss           ${report.logLoss.toFixed(4)}`);
  lines.push('');
  lines.push(formatConfusionMatrix(report.labels, report.confusionMatrix));
  return `${lines.join('\n')}\n`;
}

/** Formats a confusion matrix with true classes as rows and predictions as columns, under `title`. */
export function formatConfusionMatrix(labels: string[], matrix: number[][], title = 'confusion matrix'): string {
  const nameWidth = Math.max(10, ...labels.map((label) => label.length));
  const cellWidth = Math.max(6, ...labels.map((label) => label.length), ...matrix.flat().map((value) => String(value).length));
  const header = `${'true\\pred'.padEnd(nameWidth)}  ${labels.map((label) => label.padStart(cellWidth)).join('  ')}`;
  const rows = labels.map((label, i) => `${label.padEnd(nameWidth)}  ${matrix[i]!.map((value) => String(value).padStart(cellWidth)).join('  ')}`);
  return [`${title} (rows: true class, columns: predicted)`, header, ...rows].join('\n');
}
