/** Messages between the page and the training worker (`worker.ts`). */
import type { HeadJson } from '@offshelf/heads';

/** Head settings the page offers; names follow scikit-learn's. */
export interface HeadSettings {
  kind: 'logreg' | 'linear-svm';
  /** Inverse regularization strength. */
  C: number;
  /** Folds of stratified cross-validation. */
  folds: number;
  /** Seed of the fold assignment and of the solvers. */
  seed: number;
}

export interface TrainRequest {
  type: 'train';
  id: number;
  /** Row-major features, `samples × featureLength` floats (transferred, not copied). */
  features: Float32Array;
  featureLength: number;
  /** Class index of each sample, into the page's class list; the head's `classes` are these indices, as the CLI's are. */
  labels: Int32Array;
  settings: HeadSettings;
}

export interface CrossValidationResult {
  /** Mean accuracy over the folds. */
  accuracy: number;
  foldAccuracies: number[];
  /** `confusion[actual][predicted]` counts over all held-out predictions, indexed by class index. */
  confusion: number[][];
}

export interface TrainResponse {
  type: 'trained';
  id: number;
  /** The head fitted on all samples, in the heads package's JSON format. */
  head: HeadJson;
  crossValidation: CrossValidationResult;
  seconds: number;
}

export interface TrainFailure {
  type: 'failed';
  id: number;
  message: string;
}

export type WorkerReply = TrainResponse | TrainFailure;
