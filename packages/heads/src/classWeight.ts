import type { Label } from './data';
import { countClasses } from './labels';

/**
 * scikit-learn's `class_weight`. `'balanced'` gives class k the weight
 * n_samples / (n_classes · count_k). A map gives the listed classes their weight
 * and the rest 1, and undefined gives every class 1.
 */
export type ClassWeight = 'balanced' | Record<string, number> | Map<Label, number>;

/** Resolves a `class_weight` option into one weight per class index. */
export function computeClassWeights(classWeight: ClassWeight | undefined, classes: Label[], y: Int32Array): Float64Array {
  const weights = new Float64Array(classes.length).fill(1);
  if (classWeight === undefined) return weights;

  if (classWeight === 'balanced') {
    const counts = countClasses(y, classes.length);
    for (let k = 0; k < classes.length; k++) weights[k] = y.length / (classes.length * counts[k]!);
    return weights;
  }

  if (typeof classWeight === 'string') throw new Error(`class_weight '${classWeight}' is unknown: use 'balanced', a map from class to weight, or leave it unset`);

  const entries: [string, number][] =
    classWeight instanceof Map ? [...classWeight].map(([k, v]) => [String(k), v]) : Object.entries(classWeight);
  const indexByName = new Map(classes.map((c, k) => [String(c), k]));
  for (const [name, w] of entries) {
    const k = indexByName.get(name);
    if (k === undefined) throw new Error(`class_weight names class ${JSON.stringify(name)}, which is not in y (classes: ${JSON.stringify(classes)})`);
    if (!(Number.isFinite(w) && w >= 0)) throw new Error(`class_weight for class ${JSON.stringify(name)} is ${w}: weights must be finite and >= 0`);
    weights[k] = w;
  }
  return weights;
}
