import { type ClassWeight, computeClassWeights } from './classWeight';
import { type DenseMatrix, type FeatureInput, type FeatureMatrix, type Label, createDenseMatrix, toDenseMatrix, toFloat32Matrix, toRows } from './data';
import type { GammaOption, KernelName } from './kernels';
import { validateKernel } from './kernels';
import {
  type KernelSvmModel,
  fitKernelSvm,
  kernelSvmDecisionFunction,
  kernelSvmPredict,
  kernelSvmPredictProba,
} from './kernelSvm';
import { describeFormatField } from './jsonFormat';
import { encodeLabels } from './labels';
import { type LinearSvmLoss, type LinearSvmModel, fitLinearSvm, linearSvmDecisionFunction } from './linearSvm';
import { type LinearSvmPlatt, fitLinearSvmPlatt, linearSvmPredictProba } from './linearSvmProbability';
import { type LogisticRegressionModel, fitLogisticRegression, logisticDecisionFunction, logisticPredictProba } from './logisticRegression';
import {
  type KnnModel,
  type NearestCentroidModel,
  type NeighborMetric,
  type NeighborWeights,
  fitNearestCentroid,
  knnPredictProba,
  nearestCentroidDecision,
  neighborIndexOf,
} from './neighbors';
import { type FittedTransform, type TransformSpec, applyTransforms, fitTransforms } from './transforms';

export type HeadKind = 'logreg' | 'linear-svm' | 'svm' | 'rbf-svm' | 'knn' | 'nearest-centroid';

/** Training options; names follow scikit-learn 1.2 (camelCase) and unset values take its defaults. */
export interface HeadSpec {
  kind: HeadKind;
  /** Transforms fitted on the training features and stored with the head. */
  transforms?: TransformSpec[];
  classWeight?: ClassWeight;
  /** Seed of every random choice (coordinate order, Platt folds). */
  seed?: number;

  C?: number;
  tol?: number;
  maxIter?: number;

  /** linear-svm: 'squared_hinge' (default) or 'hinge'. */
  loss?: LinearSvmLoss;
  /** linear-svm: 'ovr' (default) or 'crammer_singer', scikit-learn's `multi_class`. */
  multiClass?: 'ovr' | 'crammer_singer';
  /** linear-svm: value of the bias feature (default 1). */
  interceptScaling?: number;
  /** linear-svm and svm: fit Platt scaling so predictProba works (default false). */
  probability?: boolean;

  /** svm: 'rbf' (default), 'poly', 'linear' or 'sigmoid'; 'rbf-svm' fixes 'rbf'. */
  kernel?: KernelName;
  gamma?: GammaOption;
  degree?: number;
  coef0?: number;
  shrinking?: boolean;
  /** svm: kernel cache in MB (default 200). */
  cacheSize?: number;
  /** svm with > 2 classes: 'ovr' (default) aggregates the one-vs-one votes, 'ovo' returns them raw. */
  decisionFunctionShape?: 'ovr' | 'ovo';

  /** knn: number of neighbours (default 5). */
  nNeighbors?: number;
  /** knn: 'uniform' (default) or 'distance'. */
  weights?: NeighborWeights;
  /** knn and nearest-centroid: 'euclidean' (default) or 'cosine'. */
  metric?: NeighborMetric;
}

/**
 * The options of one head kind: `kind`, the common options and those the kind reads, so that an
 * option of another kind (such as `gamma` on a logreg head) fails to type-check. With `kind`
 * typed as the whole HeadKind union it takes every option, as HeadSpec does.
 */
export type HeadSpecFor<K extends HeadKind> = { kind: K } & Pick<HeadSpec, 'transforms' | 'seed' | (typeof HEAD_KIND_OPTIONS)[K][number]>;

/** The fitted model of each head kind, as stored in the JSON format. */
export type HeadParams =
  | { kind: 'logreg'; model: LogisticRegressionModel }
  | { kind: 'linear-svm'; model: LinearSvmModel; platt?: LinearSvmPlatt }
  | { kind: 'svm'; model: KernelSvmModel; decisionFunctionShape: 'ovr' | 'ovo' }
  | { kind: 'knn'; model: KnnModel }
  | { kind: 'nearest-centroid'; model: NearestCentroidModel };

const KINDS: HeadKind[] = ['logreg', 'linear-svm', 'svm', 'rbf-svm', 'knn', 'nearest-centroid'];

/** A trained classifier: transforms, classes and model. `L` is the label type it was trained on (string or number). */
export class Head<L extends Label = Label> {
  constructor(
    readonly kind: HeadParams['kind'],
    readonly classes: L[],
    readonly nFeatures: number,
    readonly transforms: FittedTransform[],
    readonly params: HeadParams,
    readonly spec: Omit<HeadSpec, 'transforms' | 'classWeight'>,
  ) {}

  /** Predicted labels, one per sample. */
  predict(X: FeatureInput): L[] {
    const Z = this.prepare(X);
    const p = this.params;
    let indices: Int32Array;
    if (p.kind === 'svm') {
      indices = kernelSvmPredict(p.model, Z);
    } else {
      const scores = this.scores(Z);
      indices = argmaxRows(scores);
    }
    return Array.from(indices, (k) => this.classes[k]!);
  }

  /**
   * Decision values per sample: one column for two-class linear and SVM heads
   * (positive favours classes[1]), otherwise one per class (or per pair for
   * decisionFunctionShape 'ovo'). knn returns its class probabilities and
   * nearest-centroid the negative distances.
   */
  decisionFunction(X: FeatureInput): Float64Array[] {
    const Z = this.prepare(X);
    const p = this.params;
    if (p.kind === 'svm') return toRows(kernelSvmDecisionFunction(p.model, Z, p.decisionFunctionShape));
    if (p.kind === 'logreg') return toRows(logisticDecisionFunction(p.model, Z));
    if (p.kind === 'linear-svm') return toRows(linearSvmDecisionFunction(p.model, Z));
    return toRows(this.scores(Z));
  }

  /** Class probabilities per sample, columns in `classes` order. */
  predictProba(X: FeatureInput): Float64Array[] {
    const Z = this.prepare(X);
    const p = this.params;
    switch (p.kind) {
      case 'logreg':
        return toRows(logisticPredictProba(p.model, Z));
      case 'linear-svm':
        if (p.platt === undefined) throw new Error('predictProba needs Platt scaling: train the linear-svm head with probability: true');
        return toRows(linearSvmPredictProba(p.model, p.platt, Z));
      case 'svm':
        return toRows(kernelSvmPredictProba(p.model, Z));
      case 'knn':
        return toRows(knnPredictProba(p.model, Z));
      case 'nearest-centroid':
        throw new Error('nearest-centroid has no probabilities: use predict or decisionFunction, or a knn or logreg head');
    }
  }

  /** Features after the head's fitted transforms (standardize, l2-normalize, PCA), one row per sample. */
  transform(X: FeatureInput): Float64Array[] {
    return toRows(this.prepare(X));
  }

  toJSON(): HeadJson {
    return {
      format: 'offshelf-head',
      version: HEAD_FORMAT_VERSION,
      kind: this.kind,
      classes: this.classes,
      nFeatures: this.nFeatures,
      transforms: this.transforms,
      spec: this.spec,
      params: serializeParams(this.params),
    };
  }

  private prepare(X: FeatureInput): DenseMatrix {
    const dense = toDenseMatrix(X, 'X');
    if (dense.columns !== this.nFeatures) {
      throw new Error(`X has ${dense.columns} features but this ${this.kind} head was trained on ${this.nFeatures}: pass features from the same extractor`);
    }
    return applyTransforms(this.transforms, dense);
  }

  /** Per-class scores whose row argmax is the prediction (all kinds except svm). */
  private scores(Z: DenseMatrix): DenseMatrix {
    const p = this.params;
    let scores: DenseMatrix;
    if (p.kind === 'logreg') scores = logisticDecisionFunction(p.model, Z);
    else if (p.kind === 'linear-svm') scores = linearSvmDecisionFunction(p.model, Z);
    else if (p.kind === 'knn') return knnPredictProba(p.model, Z);
    else if (p.kind === 'nearest-centroid') return nearestCentroidDecision(p.model, Z);
    else throw new Error(`scores are not defined for ${p.kind}`);

    if (scores.columns !== 1) return scores;
    // One column scores classes[1]: expand to [0, score] so argmax picks classes[1] when score > 0.
    const expanded = createDenseMatrix(scores.rows, 2);
    for (let i = 0; i < scores.rows; i++) expanded.data[2 * i + 1] = scores.data[i]!;
    return expanded;
  }
}

function argmaxRows(m: DenseMatrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let k = 1; k < m.columns; k++) if (m.data[i * m.columns + k]! > m.data[i * m.columns + best]!) best = k;
    out[i] = best;
  }
  return out;
}

/** Parses a head's JSON text, naming a parse failure as such. */
function parseHeadText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`not an offshelf head: the text is not valid JSON (${(error as Error).message}); pass the whole file that toJSON() was saved to`);
  }
}

/**
 * Trains a head on features X (one row per sample) and labels y.
 * Throws on empty data, a single class, NaN or infinite features, unknown class weights or options.
 */
export function trainHead<L extends Label, K extends HeadKind = HeadKind>(X: FeatureInput, y: ArrayLike<L>, options: HeadSpecFor<K>): Head<L> {
  const spec: HeadSpec = options;
  if (!KINDS.includes(spec.kind)) throw new Error(`head kind '${spec.kind}' is unknown: use one of ${KINDS.join(', ')}`);
  // k-NN without transforms keeps Float32Array rows in float32: its search reads them exactly, and a
  // float64 copy would double the memory of the stored training set.
  const float32 = spec.kind === 'knn' && (spec.transforms ?? []).length === 0 ? toFloat32Matrix(X, 'X') : undefined;
  const raw: FeatureMatrix = float32 ?? toDenseMatrix(X, 'X');
  if (y.length !== raw.rows) throw new Error(`X has ${raw.rows} samples but y has ${y.length} labels: pass one label per sample`);
  const { classes, indices } = encodeLabels(y);
  if (classes.length < 2) throw new Error(`y contains a single class (${JSON.stringify(classes[0])}): a classifier needs at least 2 classes`);
  validateOptionNames(spec);
  validateNumbers(spec);

  const classWeights = computeClassWeights(spec.classWeight, classes, indices);
  let transforms: FittedTransform[] = [];
  // Z is unset only for k-NN on float32 rows, which reads `float32` instead.
  let Z!: DenseMatrix;
  if (float32 === undefined) ({ transforms, output: Z } = fitTransforms(spec.transforms ?? [], raw as DenseMatrix));
  const nClasses = classes.length;
  const seed = spec.seed ?? 0;
  const { transforms: _t, classWeight: _w, ...storedSpec } = spec;

  let params: HeadParams;
  switch (spec.kind) {
    case 'logreg': {
      const sampleWeight = Float64Array.from(indices, (k) => classWeights[k]!);
      params = { kind: 'logreg', model: fitLogisticRegression(Z, indices, nClasses, sampleWeight, spec) };
      break;
    }
    case 'linear-svm': {
      const options = { ...spec, seed };
      const model = fitLinearSvm(Z, indices, nClasses, classWeights, options);
      params = spec.probability ? { kind: 'linear-svm', model, platt: fitLinearSvmPlatt(Z, indices, nClasses, classWeights, options) } : { kind: 'linear-svm', model };
      break;
    }
    case 'svm':
    case 'rbf-svm': {
      const kernel = spec.kind === 'rbf-svm' ? 'rbf' : validateKernel(spec.kernel ?? 'rbf');
      const model = fitKernelSvm(Z, indices, nClasses, classWeights, { ...spec, kernel, seed });
      params = { kind: 'svm', model, decisionFunctionShape: spec.decisionFunctionShape ?? 'ovr' };
      break;
    }
    case 'knn': {
      const nNeighbors = spec.nNeighbors ?? 5;
      if (!Number.isInteger(nNeighbors) || nNeighbors < 1 || nNeighbors > raw.rows) {
        throw new Error(`nNeighbors = ${nNeighbors} is invalid: use an integer in [1, n_samples = ${raw.rows}]`);
      }
      const metric = validateMetric(spec.metric);
      const weights = spec.weights ?? 'uniform';
      if (weights !== 'uniform' && weights !== 'distance') throw new Error(`weights '${weights}' is unknown: use 'uniform' or 'distance'`);
      const model: KnnModel = { nNeighbors, metric, weights, nClasses, X: float32 ?? Z, y: indices };
      // Prepare the training side of the search once here rather than in every predict call.
      neighborIndexOf(model);
      params = { kind: 'knn', model };
      break;
    }
    case 'nearest-centroid':
      params = { kind: 'nearest-centroid', model: fitNearestCentroid(Z, indices, nClasses, validateMetric(spec.metric)) };
      break;
  }
  return new Head(params.kind, classes as L[], raw.columns, transforms, params, storedSpec);
}

function validateMetric(metric: string | undefined): NeighborMetric {
  const m = metric ?? 'euclidean';
  if (m !== 'euclidean' && m !== 'cosine') throw new Error(`metric '${m}' is unknown: use 'euclidean' or 'cosine'`);
  return m;
}

// Options each kind reads besides `kind`, `transforms` and `seed`. k-NN and nearest centroid
// weigh no sample, so `classWeight` belongs to the other kinds only, as in scikit-learn.
/** The options each head kind reads, besides `kind`, `transforms` and `seed`. */
export const HEAD_KIND_OPTIONS = {
  logreg: ['classWeight', 'C', 'tol', 'maxIter'],
  'linear-svm': ['classWeight', 'C', 'tol', 'maxIter', 'loss', 'multiClass', 'interceptScaling', 'probability'],
  svm: ['classWeight', 'C', 'tol', 'maxIter', 'probability', 'kernel', 'gamma', 'degree', 'coef0', 'shrinking', 'cacheSize', 'decisionFunctionShape'],
  'rbf-svm': ['classWeight', 'C', 'tol', 'maxIter', 'probability', 'gamma', 'shrinking', 'cacheSize', 'decisionFunctionShape'],
  knn: ['nNeighbors', 'weights', 'metric'],
  'nearest-centroid': ['metric'],
} as const satisfies Record<HeadKind, readonly (keyof HeadSpec)[]>;
const COMMON_OPTIONS = ['kind', 'transforms', 'seed'] as const;

/** Throws on an option that `spec.kind` does not read, such as a misspelt name, instead of ignoring it. */
function validateOptionNames(spec: HeadSpec): void {
  const allowed: readonly string[] = HEAD_KIND_OPTIONS[spec.kind];
  for (const [name, value] of Object.entries(spec)) {
    if (value === undefined || (COMMON_OPTIONS as readonly string[]).includes(name) || allowed.includes(name)) continue;
    const owners = KINDS.filter((kind) => (HEAD_KIND_OPTIONS[kind] as readonly string[]).includes(name));
    const reason = owners.length > 0 ? `it applies to ${owners.join(', ')}` : 'no head has it';
    throw new Error(`option '${name}' does not apply to a ${spec.kind} head (${reason}): its options are ${allowed.join(', ')}, plus ${COMMON_OPTIONS.slice(1).join(' and ')}`);
  }
}

function validateNumbers(spec: HeadSpec): void {
  const positive: [string, number | undefined][] = [
    ['C', spec.C],
    ['tol', spec.tol],
    ['interceptScaling', spec.interceptScaling],
    ['cacheSize', spec.cacheSize],
  ];
  for (const [name, value] of positive) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new Error(`${name} = ${JSON.stringify(value) ?? String(value)} is invalid: it must be a finite number > 0${typeof value === 'string' ? ', not a string' : ''}`);
    }
  }
  const isKernelSvm = spec.kind === 'svm' || spec.kind === 'rbf-svm';
  if (spec.maxIter !== undefined && !(Number.isInteger(spec.maxIter) && (spec.maxIter > 0 || (isKernelSvm && spec.maxIter === -1)))) {
    throw new Error(`maxIter = ${spec.maxIter} is invalid: use a positive integer (svm heads also take -1 for libsvm's limit)`);
  }
  if (spec.loss !== undefined && spec.loss !== 'hinge' && spec.loss !== 'squared_hinge') {
    throw new Error(`loss '${spec.loss}' is unknown: use 'hinge' or 'squared_hinge'`);
  }
  if (spec.decisionFunctionShape !== undefined && spec.decisionFunctionShape !== 'ovr' && spec.decisionFunctionShape !== 'ovo') {
    throw new Error(`decisionFunctionShape '${spec.decisionFunctionShape}' is unknown: use 'ovr' or 'ovo'`);
  }
}

// ---------------------------------------------------------------------------
// JSON format

export const HEAD_FORMAT_VERSION = 1;

/** The serialized head; see the package README for each field. */
export interface HeadJson {
  format: 'offshelf-head';
  version: number;
  kind: HeadParams['kind'];
  classes: Label[];
  nFeatures: number;
  transforms: FittedTransform[];
  spec: Omit<HeadSpec, 'transforms' | 'classWeight'>;
  params: Record<string, unknown>;
}

function serializeParams(p: HeadParams): Record<string, unknown> {
  switch (p.kind) {
    case 'logreg':
    case 'linear-svm': {
      const m = p.model;
      const out: Record<string, unknown> = {
        nFeatures: m.nFeatures,
        nWeightVectors: m.nWeightVectors,
        coef: Array.from(m.coef),
        intercept: Array.from(m.intercept),
      };
      if (p.kind === 'linear-svm' && p.platt !== undefined) out.platt = p.platt;
      return out;
    }
    case 'svm': {
      const m = p.model;
      const out: Record<string, unknown> = {
        kernel: m.kernel,
        nFeatures: m.nFeatures,
        nClasses: m.nClasses,
        supportVectors: Array.from(m.supportVectors),
        nSupport: m.nSupport,
        dualCoef: Array.from(m.dualCoef),
        rho: m.rho,
        decisionFunctionShape: p.decisionFunctionShape,
      };
      if (m.probA !== undefined) {
        out.probA = m.probA;
        out.probB = m.probB;
      }
      return out;
    }
    case 'knn': {
      const m = p.model;
      return { nNeighbors: m.nNeighbors, metric: m.metric, weights: m.weights, nClasses: m.nClasses, nFeatures: m.X.columns, X: Array.from(m.X.data), y: Array.from(m.y) };
    }
    case 'nearest-centroid': {
      const m = p.model;
      return { metric: m.metric, nClasses: m.centroids.rows, nFeatures: m.centroids.columns, centroids: Array.from(m.centroids.data) };
    }
  }
}

/** Loads a head written by `head.toJSON()` (an object or its JSON text). */
export function loadHead<L extends Label = Label>(json: HeadJson | string): Head<L> {
  const h = (typeof json === 'string' ? parseHeadText(json) : json) as HeadJson;
  const format: unknown = h?.format;
  if (format === 'offshelf-model') {
    throw new Error('not an offshelf head but a model bundle written by `offshelf train`; pass its "head" field: loadHead(bundle.head)');
  }
  if (format !== 'offshelf-head') throw new Error(`not an offshelf head (${describeFormatField(h)}, expected "offshelf-head")`);
  if (h.version !== HEAD_FORMAT_VERSION) throw new Error(`offshelf head version ${h.version} is not supported: this build reads version ${HEAD_FORMAT_VERSION}`);
  const p = h.params as Record<string, any>;
  const f64 = (name: string): Float64Array => {
    if (!Array.isArray(p[name])) throw new Error(`offshelf head (${h.kind}) is missing params.${name}`);
    const index = (p[name] as unknown[]).findIndex((value) => typeof value !== 'number' || !Number.isFinite(value));
    if (index !== -1) throw new Error(`offshelf head (${h.kind}): params.${name}[${index}] is ${JSON.stringify(p[name][index])}, not a finite number; the file is damaged`);
    return Float64Array.from(p[name] as number[]);
  };
  checkClasses(h.classes, h.kind);

  let params: HeadParams;
  switch (h.kind) {
    case 'logreg':
    case 'linear-svm': {
      const model = { nFeatures: p.nFeatures, nWeightVectors: p.nWeightVectors, coef: f64('coef'), intercept: f64('intercept') };
      if (h.kind === 'logreg') params = { kind: 'logreg', model: { ...model, objective: NaN, iterations: 0, converged: true } };
      else {
        const svm = { ...model, objectives: [], iterations: [], converged: true };
        params = p.platt !== undefined ? { kind: 'linear-svm', model: svm, platt: p.platt } : { kind: 'linear-svm', model: svm };
      }
      break;
    }
    case 'svm': {
      const model: KernelSvmModel = {
        kernel: p.kernel,
        nFeatures: p.nFeatures,
        nClasses: p.nClasses,
        supportVectors: f64('supportVectors'),
        nSupport: p.nSupport,
        dualCoef: f64('dualCoef'),
        rho: p.rho,
      };
      if (p.probA !== undefined) {
        model.probA = p.probA;
        model.probB = p.probB;
      }
      params = { kind: 'svm', model, decisionFunctionShape: p.decisionFunctionShape };
      break;
    }
    case 'knn': {
      const X = { rows: (p.y as number[]).length, columns: p.nFeatures, data: f64('X') };
      params = { kind: 'knn', model: { nNeighbors: p.nNeighbors, metric: p.metric, weights: p.weights, nClasses: p.nClasses, X, y: Int32Array.from(p.y) } };
      break;
    }
    case 'nearest-centroid': {
      const centroids = { rows: p.nClasses, columns: p.nFeatures, data: f64('centroids') };
      params = { kind: 'nearest-centroid', model: { metric: p.metric, centroids } };
      break;
    }
    default:
      throw new Error(`offshelf head kind '${String(h.kind)}' is unknown: expected one of logreg, linear-svm, svm, knn, nearest-centroid`);
  }
  checkParamShapes(params, h.classes.length, h.kind);
  return new Head(params.kind, h.classes as L[], h.nFeatures, h.transforms, params, h.spec);
}

/** Rejects a head file whose classes are not a list of at least two distinct labels. */
function checkClasses(classes: unknown, kind: unknown): void {
  const valid = Array.isArray(classes) && classes.every((label) => typeof label === 'string' || (typeof label === 'number' && Number.isFinite(label)));
  if (!valid || classes.length < 2 || new Set(classes).size !== classes.length) {
    throw new Error(`offshelf head (${String(kind)}): classes is ${JSON.stringify(classes)}, expected two or more distinct labels (strings or numbers); the file is damaged`);
  }
}

/**
 * Rejects parameters whose sizes do not fit each other and the number of classes, so that a damaged
 * or hand-edited head fails on load rather than predicting undefined labels.
 */
function checkParamShapes(params: HeadParams, nClasses: number, kind: string): void {
  const expect = (name: string, actual: unknown, expected: number): void => {
    if (actual !== expected) throw new Error(`offshelf head (${kind}): ${name} is ${JSON.stringify(actual)}, expected ${expected} for ${nClasses} classes; the file is damaged`);
  };
  switch (params.kind) {
    case 'logreg':
    case 'linear-svm': {
      const { model } = params;
      expect('params.nWeightVectors', model.nWeightVectors, nClasses === 2 ? 1 : nClasses);
      expect('the length of params.coef', model.coef.length, model.nWeightVectors * model.nFeatures);
      expect('the length of params.intercept', model.intercept.length, model.nWeightVectors);
      break;
    }
    case 'svm': {
      const { model } = params;
      expect('params.nClasses', model.nClasses, nClasses);
      const supportCount = Array.isArray(model.nSupport) ? model.nSupport.reduce((sum, count) => sum + count, 0) : NaN;
      expect('the length of params.nSupport', model.nSupport?.length, nClasses);
      expect('the length of params.supportVectors', model.supportVectors.length, supportCount * model.nFeatures);
      expect('the length of params.dualCoef', model.dualCoef.length, (nClasses - 1) * supportCount);
      expect('the length of params.rho', model.rho?.length, (nClasses * (nClasses - 1)) / 2);
      break;
    }
    case 'knn': {
      const { model } = params;
      expect('params.nClasses', model.nClasses, nClasses);
      expect('the length of params.X', model.X.data.length, model.X.rows * model.X.columns);
      const label = model.y.findIndex((value) => value < 0 || value >= nClasses);
      if (label !== -1) throw new Error(`offshelf head (${kind}): params.y[${label}] is ${model.y[label]}, not a class index below ${nClasses}; the file is damaged`);
      break;
    }
    case 'nearest-centroid': {
      expect('the rows of params.centroids', params.model.centroids.rows, nClasses);
      expect('the length of params.centroids', params.model.centroids.data.length, nClasses * params.model.centroids.columns);
      break;
    }
  }
}
