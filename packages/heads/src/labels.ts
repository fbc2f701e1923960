import type { Label } from './data';

/** Labels encoded as indices into `classes`, which is sorted as numpy's `np.unique` sorts. */
export interface EncodedLabels {
  classes: Label[];
  indices: Int32Array;
}

/** Sorts numbers numerically and strings by UTF-16 code units; mixing the two is rejected. */
export function sortClasses(labels: Iterable<Label>): Label[] {
  // A missing label is named by its index, before the type checks below would call it a mix of types.
  let index = 0;
  for (const label of labels) {
    if (label === undefined || label === null) throw new Error(`y[${index}] is ${String(label)}: labels must be numbers or strings, one per sample`);
    index++;
  }
  const unique = [...new Set(labels)];
  const kinds = new Set(unique.map((l) => typeof l));
  if (kinds.size > 1) throw new Error(`y mixes numbers and strings (${unique.slice(0, 4).map((l) => JSON.stringify(l)).join(', ')}): use one label type`);
  for (const l of unique) {
    if (typeof l === 'number' && !Number.isFinite(l)) throw new Error(`y contains the label ${l}: numeric labels must be finite`);
    if (typeof l !== 'number' && typeof l !== 'string') throw new Error(`y contains ${JSON.stringify(l)} (${typeof l}): labels must be numbers or strings`);
  }
  return unique.sort(compareLabels);
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number') return a - (b as number);
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

export function encodeLabels(y: ArrayLike<Label>): EncodedLabels {
  if (y.length === 0) throw new Error('y is empty: pass one label per sample');
  const classes = sortClasses(Array.from(y));
  const index = new Map<Label, number>(classes.map((c, k) => [c, k]));
  const indices = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) indices[i] = index.get(y[i]!)!;
  return { classes, indices };
}

/** Maps labels to indices of known classes, rejecting labels the head never saw. */
export function indexLabels(y: ArrayLike<Label>, classes: Label[]): Int32Array {
  const index = new Map<Label, number>(classes.map((c, k) => [c, k]));
  const out = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const k = index.get(y[i]!);
    if (k === undefined) throw new Error(`y[${i}] = ${JSON.stringify(y[i])} is not one of the classes ${JSON.stringify(classes)}`);
    out[i] = k;
  }
  return out;
}

export function countClasses(indices: Int32Array, nClasses: number): Int32Array {
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < indices.length; i++) counts[indices[i]!]!++;
  return counts;
}
