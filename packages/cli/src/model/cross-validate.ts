/**
 * Cross-validation and grid search for `train`, on @offshelf/heads' stratified
 * k-fold splits (scikit-learn's StratifiedKFold without shuffling). Unlike heads'
 * own `crossValidate`, this keeps every out-of-fold prediction for the confusion
 * matrix and reports each fit, for the progress bar and Ctrl-C.
 */
import { rocAucScore, stratifiedKFold, type HeadSpec } from '@offshelf/heads';

import { CliError } from '../errors';
import { formatCount } from '../ui/plural';
import { trainHeadOnRows } from './heads';

export interface CrossValidationResult {
  /** Accuracy of each fold. */
  foldAccuracies: number[];
  mean: number;
  /** Population standard deviation of the fold accuracies (numpy's std). */
  std: number;
  /** Out-of-fold prediction for every sample (class index). */
  predictions: Int32Array;
  /** Out-of-fold class probabilities for every sample, when the head gives them (logreg, knn). */
  probabilities?: Float64Array[];
  /**
   * ROC AUC of each fold's decision values, for two classes and heads without probabilities
   * (linear-svm, rbf-svm). Each fold's head has its own scale of decision values, so the folds
   * are scored apart, as scikit-learn's cross_val_score(scoring='roc_auc'), not pooled.
   */
  foldRocAuc?: number[];
}

/** Rejects a fold count larger than the smallest class, which would leave folds without that class. */
export function checkFoldCount(labels: Int32Array, folds: number, classNames: string[]): void {
  for (const [label, name] of classNames.entries()) {
    const count = labels.reduce((total, value) => total + (value === label ? 1 : 0), 0);
    if (count < folds) throw new CliError(`class "${name}" has ${formatCount(count, 'sample')}, fewer than --cv ${folds} folds; lower --cv or add images`);
  }
}

/** Returns the fewest training samples of any fold in the stratified `folds`-fold split of `labels`. */
export function smallestTrainingFold(labels: Int32Array, folds: number): number {
  const split = stratifiedKFold(labels, { nSplits: folds });
  return Math.min(...split.folds.map((fold) => fold.train.length));
}

// Lets pending events (a Ctrl-C) run between fits, which are synchronous and may take seconds.
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Cross-validates one head specification; `onFit` runs after each fold's fit. */
export async function crossValidate(
  rows: Float32Array[],
  labels: Int32Array,
  classNames: string[],
  spec: HeadSpec,
  folds: number,
  onFit?: () => void,
): Promise<CrossValidationResult> {
  checkFoldCount(labels, folds, classNames);
  const split = stratifiedKFold(labels, { nSplits: folds });
  const predictions = new Int32Array(labels.length);
  let probabilities: Float64Array[] | undefined = new Array<Float64Array>(labels.length);
  let foldRocAuc: number[] | undefined = classNames.length === 2 ? [] : undefined;
  const foldAccuracies: number[] = [];

  for (const { train, test } of split.folds) {
    const head = trainHeadOnRows(
      Array.from(train, (i) => rows[i]!),
      Int32Array.from(train, (i) => labels[i]!),
      spec,
    );
    const testRows = Array.from(test, (i) => rows[i]!);
    const predicted = head.predictIndices(testRows);
    const proba = probabilities === undefined ? undefined : head.probabilities(testRows);
    if (proba === undefined) probabilities = undefined;
    if (proba === undefined && foldRocAuc !== undefined) {
      const scores = head.positiveScores(testRows);
      if (scores === undefined) foldRocAuc = undefined;
      else foldRocAuc.push(rocAucScore(Array.from(test, (i) => labels[i]!), scores, 1));
    }
    let correct = 0;
    test.forEach((sample, position) => {
      predictions[sample] = predicted[position]!;
      if (probabilities !== undefined) probabilities[sample] = proba![position]!;
      if (predicted[position] === labels[sample]) correct++;
    });
    foldAccuracies.push(correct / test.length);
    await yieldToEventLoop();
    onFit?.();
  }

  const mean = foldAccuracies.reduce((sum, value) => sum + value, 0) / folds;
  const std = Math.sqrt(foldAccuracies.reduce((sum, value) => sum + (value - mean) ** 2, 0) / folds);
  return {
    foldAccuracies, mean, std, predictions,
    ...(probabilities === undefined ? {} : { probabilities }),
    ...(probabilities === undefined && foldRocAuc !== undefined ? { foldRocAuc } : {}),
  };
}

export interface GridPoint {
  spec: HeadSpec;
  result: CrossValidationResult;
}

/** Cross-validates every specification on the same folds; best mean accuracy first, ties in grid order (as GridSearchCV). */
export async function gridSearch(
  rows: Float32Array[],
  labels: Int32Array,
  classNames: string[],
  specs: HeadSpec[],
  folds: number,
  onFit?: () => void,
): Promise<GridPoint[]> {
  const points: GridPoint[] = [];
  for (const spec of specs) points.push({ spec, result: await crossValidate(rows, labels, classNames, spec, folds, onFit) });
  return points
    .map((point, order) => ({ point, order }))
    .sort((a, b) => b.point.result.mean - a.point.result.mean || a.order - b.order)
    .map(({ point }) => point);
}
