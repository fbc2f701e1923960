// Training worker: cross-validates and fits a head off the page's main thread.
import { accuracyScore, confusionMatrix, stratifiedKFold, trainHead, type HeadSpec, type Label } from '@offshelf/heads';

import type { CrossValidationResult, HeadSettings, TrainRequest, WorkerReply } from './training-protocol';

function headSpec(settings: HeadSettings): HeadSpec {
  // The linear SVM needs Platt scaling for the probabilities the page shows.
  const probability = settings.kind === 'linear-svm' ? { probability: true } : {};
  return { kind: settings.kind, C: settings.C, seed: settings.seed, ...probability };
}

function toRows(features: Float32Array, featureLength: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let start = 0; start < features.length; start += featureLength) rows.push(features.subarray(start, start + featureLength));
  return rows;
}

/**
 * Stratified k-fold cross-validation that keeps every held-out prediction, as
 * scikit-learn's `cross_val_predict`, so the page can show a confusion matrix
 * next to the mean fold accuracy.
 */
function crossValidate(rows: Float32Array[], labels: number[], classCount: number, settings: HeadSettings): CrossValidationResult {
  const { folds } = stratifiedKFold(labels, { nSplits: settings.folds, shuffle: true, seed: settings.seed });
  // Held-out labels need no probabilities, and Platt scaling would run its own 5-fold fit per fold.
  const { probability: _probability, ...spec } = headSpec(settings);
  const predicted: Label[] = new Array(labels.length);
  const foldAccuracies: number[] = [];

  for (const { train, test } of folds) {
    const head = trainHead(Array.from(train, (i) => rows[i]!), Array.from(train, (i) => labels[i]!), spec);
    const testPredictions = head.predict(Array.from(test, (i) => rows[i]!));
    test.forEach((sample, j) => (predicted[sample] = testPredictions[j]!));
    foldAccuracies.push(accuracyScore(Array.from(test, (i) => labels[i]!), testPredictions));
  }

  const accuracy = foldAccuracies.reduce((sum, value) => sum + value, 0) / foldAccuracies.length;
  const { matrix } = confusionMatrix(labels, predicted, Array.from({ length: classCount }, (_, k) => k));
  return { accuracy, foldAccuracies, confusion: matrix };
}

function handleTrain(request: TrainRequest): WorkerReply {
  const started = performance.now();
  const rows = toRows(request.features, request.featureLength);
  const labels = Array.from(request.labels);
  const head = trainHead(rows, labels, headSpec(request.settings));
  const crossValidation = crossValidate(rows, labels, head.classes.length, request.settings);
  return { type: 'trained', id: request.id, head: head.toJSON(), crossValidation, seconds: (performance.now() - started) / 1000 };
}

self.addEventListener('message', (event: MessageEvent<TrainRequest>) => {
  const request = event.data;
  let reply: WorkerReply;
  try {
    reply = handleTrain(request);
  } catch (error) {
    console.error(`training worker: request ${request.id} failed`, error);
    reply = { type: 'failed', id: request.id, message: `training failed: ${(error as Error).message}` };
  }
  self.postMessage(reply);
});
