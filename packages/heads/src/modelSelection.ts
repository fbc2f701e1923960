import { type FeatureInput, type Label, selectRows, toDenseMatrix } from './data';
import { type HeadKind, type HeadSpec, type HeadSpecFor, trainHead } from './head';
import type { GammaOption } from './kernels';
import { accuracyScore, balancedAccuracyScore } from './metrics';
import { Random } from './random';

export interface StratifiedKFoldOptions {
  nSplits?: number;
  /** Shuffle each class's fold assignment with the seeded generator (default false). */
  shuffle?: boolean;
  seed?: number;
}

export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Stratified k-fold as scikit-learn 1.2's StratifiedKFold. Classes are numbered by
 * first appearance, and the class-sorted labels are dealt round-robin to the folds,
 * which fixes how many samples of each class each fold gets. Each class's samples
 * are then assigned to folds in blocks, in data order. With shuffle: true the blocks
 * are permuted by our own generator, so the folds keep the same per-class sizes but
 * differ from scikit-learn's for the same seed.
 * Returns each sample's test fold and the (train, test) index pairs in increasing order.
 */
export function stratifiedKFold(y: ArrayLike<Label>, options: StratifiedKFoldOptions = {}): { testFold: Int32Array; folds: Fold[] } {
  const nSplits = options.nSplits ?? 5;
  const n = y.length;
  if (!Number.isInteger(nSplits) || nSplits < 2) throw new Error(`nSplits = ${nSplits} is invalid: use an integer >= 2`);
  if (nSplits > n) throw new Error(`nSplits = ${nSplits} is greater than the number of samples (${n})`);

  // Encode classes by order of first appearance.
  const firstSeen = new Map<Label, number>();
  const encoded = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!firstSeen.has(y[i]!)) firstSeen.set(y[i]!, firstSeen.size);
    encoded[i] = firstSeen.get(y[i]!)!;
  }
  const nClasses = firstSeen.size;
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < n; i++) counts[encoded[i]!]!++;
  if (counts.every((c) => nSplits > c)) {
    throw new Error(`nSplits = ${nSplits} is greater than the number of members in each class (largest class: ${Math.max(...counts)})`);
  }

  // allocation[f][k]: samples of class k in fold f, dealing sorted labels round-robin.
  const sorted = Int32Array.from(encoded).sort();
  const allocation = Array.from({ length: nSplits }, () => new Int32Array(nClasses));
  for (let i = 0; i < n; i++) allocation[i % nSplits]![sorted[i]!]!++;

  const random = new Random(options.seed ?? 0);
  const testFold = new Int32Array(n);
  for (let k = 0; k < nClasses; k++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < nSplits; f++) for (let c = 0; c < allocation[f]![k]!; c++) foldsForClass.push(f);
    if (options.shuffle) random.shuffle(foldsForClass);
    let next = 0;
    for (let i = 0; i < n; i++) if (encoded[i] === k) testFold[i] = foldsForClass[next++]!;
  }

  const folds: Fold[] = [];
  for (let f = 0; f < nSplits; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (testFold[i] === f ? test : train).push(i);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return { testFold, folds };
}

export type Scoring = 'accuracy' | 'balanced_accuracy';

export interface CrossValidateOptions extends StratifiedKFoldOptions {
  scoring?: Scoring;
}

export interface CrossValidateResult {
  scores: number[];
  mean: number;
  /** Population standard deviation of the fold scores, as numpy's std. */
  std: number;
}

/** Scores a head spec on stratified folds, like scikit-learn's cross_val_score(cv=StratifiedKFold). */
export function crossValidate<K extends HeadKind = HeadKind>(X: FeatureInput, y: ArrayLike<Label>, headOptions: HeadSpecFor<K>, options: CrossValidateOptions = {}): CrossValidateResult {
  const spec: HeadSpec = headOptions;
  const dense = toDenseMatrix(X, 'X');
  if (dense.rows !== y.length) throw new Error(`X has ${dense.rows} samples but y has ${y.length} labels: pass one label per sample`);
  const { folds } = stratifiedKFold(y, options);
  const score = options.scoring === 'balanced_accuracy' ? balancedAccuracyScore : accuracyScore;

  const scores = folds.map(({ train, test }) => {
    const head = trainHead(selectRows(dense, train), Array.from(train, (i) => y[i]!), spec);
    return score(Array.from(test, (i) => y[i]!), head.predict(selectRows(dense, test)));
  });
  return summarize(scores);
}

function summarize(scores: number[]): CrossValidateResult {
  const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / scores.length);
  return { scores, mean, std };
}

export interface ParamGrid {
  C?: number[];
  gamma?: GammaOption[];
}

export interface GridSearchRow extends CrossValidateResult {
  params: { C?: number; gamma?: GammaOption };
  /** 1 for the best mean score; equal means share the lower rank, as scikit-learn's rank_test_score. */
  rank: number;
}

export interface GridSearchResult {
  bestParams: { C?: number; gamma?: GammaOption };
  bestScore: number;
  /** Every combination, C varying slowest, as scikit-learn's ParameterGrid orders them. */
  table: GridSearchRow[];
}

/**
 * Cross-validates every combination of C and gamma on the same stratified folds and
 * picks the highest mean score. Ties go to the earlier combination, as in scikit-learn's GridSearchCV.
 */
export function gridSearch(X: FeatureInput, y: ArrayLike<Label>, spec: HeadSpec, grid: ParamGrid, options: CrossValidateOptions = {}): GridSearchResult {
  const Cs = grid.C ?? [undefined];
  const gammas = grid.gamma ?? [undefined];
  if (Cs.length === 0 || gammas.length === 0) throw new Error('gridSearch: each listed parameter needs at least one value');

  const rows: GridSearchRow[] = [];
  for (const C of Cs) {
    for (const gamma of gammas) {
      const params: { C?: number; gamma?: GammaOption } = {};
      if (C !== undefined) params.C = C;
      if (gamma !== undefined) params.gamma = gamma;
      const result = crossValidate(X, y, { ...spec, ...params }, options);
      rows.push({ params, ...result, rank: 0 });
    }
  }

  for (const row of rows) row.rank = 1 + rows.filter((other) => other.mean > row.mean).length;
  const best = rows.find((row) => row.rank === 1)!;
  return { bestParams: best.params, bestScore: best.mean, table: rows };
}
