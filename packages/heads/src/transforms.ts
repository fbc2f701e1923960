import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { type DenseMatrix, createDenseMatrix, dot } from './data';

/** A feature transform to fit on training data: a name, or an object for PCA options. */
export type TransformSpec =
  | 'standardize'
  | 'l2-normalize'
  | { kind: 'standardize' }
  | { kind: 'l2-normalize' }
  | { kind: 'pca'; nComponents: number; whiten?: boolean };

/** (x − mean) / scale per feature, scikit-learn's StandardScaler. */
export interface StandardizeTransform {
  kind: 'standardize';
  mean: number[];
  scale: number[];
}

/** x / ‖x‖₂ per sample (zero vectors stay zero), scikit-learn's Normalizer. */
export interface L2NormalizeTransform {
  kind: 'l2-normalize';
}

/** (x − mean) · componentsᵀ, divided by √explainedVariance when whitening, scikit-learn's PCA. */
export interface PcaTransform {
  kind: 'pca';
  nComponents: number;
  whiten: boolean;
  mean: number[];
  /** nComponents × nFeatures, row-major. */
  components: number[];
  explainedVariance: number[];
}

export type FittedTransform = StandardizeTransform | L2NormalizeTransform | PcaTransform;

/** Fits each transform in order on the output of the previous one. */
export function fitTransforms(specs: TransformSpec[], X: DenseMatrix): { transforms: FittedTransform[]; output: DenseMatrix } {
  const transforms: FittedTransform[] = [];
  let current = X;
  for (const spec of specs) {
    const kind = typeof spec === 'string' ? spec : spec.kind;
    let fitted: FittedTransform;
    if (kind === 'standardize') fitted = fitStandardize(current);
    else if (kind === 'l2-normalize') fitted = { kind: 'l2-normalize' };
    else if (kind === 'pca' && typeof spec === 'object' && spec.kind === 'pca') fitted = fitPca(current, spec.nComponents, spec.whiten ?? false);
    else throw new Error(`transform ${JSON.stringify(spec)} is unknown: use 'standardize', 'l2-normalize' or {kind: 'pca', nComponents}`);
    transforms.push(fitted);
    current = applyTransform(fitted, current);
  }
  return { transforms, output: current };
}

export function applyTransforms(transforms: FittedTransform[], X: DenseMatrix): DenseMatrix {
  let current = X;
  for (const t of transforms) current = applyTransform(t, current);
  return current;
}

function applyTransform(t: FittedTransform, X: DenseMatrix): DenseMatrix {
  const { rows: n, columns: d } = X;
  switch (t.kind) {
    case 'standardize': {
      const out = createDenseMatrix(n, d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out.data[i * d + j] = (X.data[i * d + j]! - t.mean[j]!) / t.scale[j]!;
      return out;
    }
    case 'l2-normalize': {
      const out = createDenseMatrix(n, d);
      for (let i = 0; i < n; i++) {
        const norm = Math.sqrt(dot(X.data, i * d, X.data, i * d, d));
        const inverse = norm > 0 ? 1 / norm : 1;
        for (let j = 0; j < d; j++) out.data[i * d + j] = X.data[i * d + j]! * inverse;
      }
      return out;
    }
    case 'pca': {
      const k = t.nComponents;
      const out = createDenseMatrix(n, k);
      const centered = new Float64Array(d);
      const components = Float64Array.from(t.components);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) centered[j] = X.data[i * d + j]! - t.mean[j]!;
        for (let c = 0; c < k; c++) {
          const value = dot(centered, 0, components, c * d, d);
          out.data[i * k + c] = t.whiten ? value / Math.sqrt(t.explainedVariance[c]!) : value;
        }
      }
      return out;
    }
  }
}

function fitStandardize(X: DenseMatrix): StandardizeTransform {
  const { rows: n, columns: d, data } = X;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j]! += (data[i * d + j]! - mean[j]!) ** 2;
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(scale[j]! / n);
    // Constant features keep scale 1, as scikit-learn does for scales below 10·eps.
    scale[j] = std < 10 * Number.EPSILON ? 1 : std;
  }
  return { kind: 'standardize', mean, scale };
}

/**
 * PCA by the eigendecomposition of the d × d covariance (or the n × n Gram matrix
 * when n < d), which matches scikit-learn's full SVD up to rounding. Each component's
 * sign makes the largest-magnitude training score positive, as scikit-learn's svd_flip.
 */
function fitPca(X: DenseMatrix, nComponents: number, whiten: boolean): PcaTransform {
  const { rows: n, columns: d, data } = X;
  const maxComponents = Math.min(n, d);
  if (!Number.isInteger(nComponents) || nComponents < 1 || nComponents > maxComponents) {
    throw new Error(`PCA nComponents = ${nComponents} is invalid: use an integer in [1, min(n_samples, n_features)] = [1, ${maxComponents}]`);
  }
  if (n < 2) throw new Error('PCA needs at least 2 samples');

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const centered = createDenseMatrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centered.data[i * d + j] = data[i * d + j]! - mean[j]!;

  const useGram = n < d;
  const size = useGram ? n : d;
  const scatter = new Matrix(size, size);
  if (useGram) {
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        const value = dot(centered.data, a * d, centered.data, b * d, d);
        scatter.set(a, b, value);
        scatter.set(b, a, value);
      }
    }
  } else {
    // Accumulate XᵀX by rank-1 updates of the upper triangle, reading rows contiguously.
    const upper = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const offset = i * d;
      for (let a = 0; a < d; a++) {
        const xa = centered.data[offset + a]!;
        if (xa === 0) continue;
        for (let b = a; b < d; b++) upper[a * d + b]! += xa * centered.data[offset + b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        scatter.set(a, b, upper[a * d + b]!);
        scatter.set(b, a, upper[a * d + b]!);
      }
    }
  }

  const evd = new EigenvalueDecomposition(scatter, { assumeSymmetric: true });
  const eigenvalues = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = eigenvalues.map((_, i) => i).sort((a, b) => eigenvalues[b]! - eigenvalues[a]!);

  const components = new Float64Array(nComponents * d);
  const explainedVariance: number[] = [];
  const scores = new Float64Array(n);
  for (let c = 0; c < nComponents; c++) {
    const e = order[c]!;
    const lambda = Math.max(eigenvalues[e]!, 0);
    const row = components.subarray(c * d, (c + 1) * d);
    if (useGram) {
      // v = Xcᵀu / s with s = √λ, so that Xc v = s u.
      const s = Math.sqrt(lambda);
      for (let i = 0; i < n; i++) {
        const u = vectors.get(i, e);
        for (let j = 0; j < d; j++) row[j]! += (u * centered.data[i * d + j]!) / (s > 0 ? s : 1);
      }
    } else {
      for (let j = 0; j < d; j++) row[j] = vectors.get(j, e);
    }

    let bestIndex = 0;
    for (let i = 0; i < n; i++) {
      scores[i] = dot(centered.data, i * d, row, 0, d);
      if (Math.abs(scores[i]!) > Math.abs(scores[bestIndex]!)) bestIndex = i;
    }
    if (scores[bestIndex]! < 0) for (let j = 0; j < d; j++) row[j] = -row[j]!;
    explainedVariance.push(lambda / (n - 1));
  }

  return { kind: 'pca', nComponents, whiten, mean: Array.from(mean), components: Array.from(components), explainedVariance };
}
