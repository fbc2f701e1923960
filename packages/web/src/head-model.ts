import { loadHead, type HeadJson } from '@offshelf/heads';

/** Class probabilities for each feature row, columns in the head's class order. */
export function predictProbabilities(head: HeadJson, features: readonly Float32Array[]): number[][] {
  return loadHead(head)
    .predictProba(features as Float32Array[])
    .map((row) => Array.from(row));
}
