import { loadHead, type HeadJson } from '@offshelf/heads';

/**
 * Class probabilities for each feature row, one column per class name. Heads are
 * trained on class indices (as the CLI trains them), so column j of `predictProba`
 * belongs to class index `head.classes[j]`.
 */
export function predictProbabilities(head: HeadJson, classCount: number, features: readonly Float32Array[]): number[][] {
  const loaded = loadHead(head);
  const classIndices = loaded.classes.map(Number);

  return loaded.predictProba(features as Float32Array[]).map((row) => {
    const full = new Array<number>(classCount).fill(0);
    classIndices.forEach((classIndex, column) => (full[classIndex] = row[column]!));
    return full;
  });
}
