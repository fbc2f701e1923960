/**
 * The CLI's view of @offshelf/heads: heads trained on class indices 0..K−1, so
 * predictions map straight back to the bundle's class names.
 */
import { loadHead, trainHead, type Head, type HeadJson, type HeadSpec } from '@offshelf/heads';

import { CliError, errorMessage } from '../errors';

/** Head kinds the CLI offers (`--head`). */
export const HEAD_KINDS = ['logreg', 'linear-svm', 'rbf-svm', 'knn'] as const;
export type CliHeadKind = (typeof HEAD_KINDS)[number];

export interface IndexHead {
  head: Head;
  /** Predicted class indices. */
  predictIndices(rows: Float32Array[]): Int32Array;
  /** Class probabilities (columns = class indices), or undefined when the head has none. */
  probabilities(rows: Float32Array[]): Float64Array[] | undefined;
  /**
   * Decision values that favour class 1, for a two-class head with one decision column (logreg,
   * linear-svm, rbf-svm); undefined for other heads.
   */
  positiveScores(rows: Float32Array[]): Float64Array | undefined;
}

function wrap(head: Head, classCount: number): IndexHead {
  // Columns of predictProba follow head.classes, which are the indices seen in training.
  const classes = head.classes.map(Number);
  return {
    head,
    predictIndices: (rows) => Int32Array.from(head.predict(rows), Number),
    probabilities: (rows) => {
      let proba: Float64Array[];
      try {
        proba = head.predictProba(rows);
      } catch {
        return undefined;
      }
      return proba.map((row) => {
        const full = new Float64Array(classCount);
        classes.forEach((label, column) => (full[label] = row[column]!));
        return full;
      });
    },
    positiveScores: (rows) => {
      if (classes.length !== 2 || classes[1] !== 1) return undefined;
      const scores = head.decisionFunction(rows);
      if (scores.some((row) => row.length !== 1)) return undefined;
      return Float64Array.from(scores, (row) => row[0]!);
    },
  };
}

/**
 * Returns the iterations of a logistic regression or SVM fit that stopped at its iteration limit
 * before meeting its tolerance, or undefined for a converged fit or another kind.
 */
export function unconvergedIterations(head: Head): number | undefined {
  const { params } = head;
  if (params.kind === 'logreg' && !params.model.converged) return params.model.iterations;
  if (params.kind === 'linear-svm' && !params.model.converged) return Math.max(...params.model.iterations);
  if (params.kind === 'svm' && params.model.converged === false) return Math.max(...(params.model.iterations ?? [0]));
  return undefined;
}

/** Trains a head on rows of features and class indices. */
export function trainHeadOnRows(rows: Float32Array[], labels: Int32Array, spec: HeadSpec): IndexHead {
  try {
    return wrap(trainHead(rows, labels, spec), Math.max(...labels) + 1);
  } catch (error) {
    throw new CliError(`training the ${spec.kind} head failed: ${errorMessage(error)}`);
  }
}

/** Loads a head from a model bundle. */
export function loadIndexHead(json: unknown, classCount: number, modelName: string): IndexHead {
  try {
    return wrap(loadHead(json as HeadJson), classCount);
  } catch (error) {
    throw new CliError(`--model ${modelName}: cannot load its head (${errorMessage(error)}); retrain the model`);
  }
}

/** Splits a row-major N × D matrix into rows (views, no copy). */
export function toRows(features: Float32Array, featureSize: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let start = 0; start < features.length; start += featureSize) rows.push(features.subarray(start, start + featureSize));
  return rows;
}
