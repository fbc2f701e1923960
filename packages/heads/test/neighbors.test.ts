// Oracle: scikit-learn 1.2 KNeighborsClassifier (brute force) and NearestCentroid from the fixtures.
import { afterEach, describe, expect, it } from 'vitest';
import { type DenseMatrix, createDenseMatrix } from '../src/data';
import { loadHead, trainHead } from '../src/index';
import { type KnnModel, kNearestNeighbors } from '../src/neighbors';
import { Random } from '../src/random';
import { setSimdGemmEnabled } from '../src/simdGemm';
import { agreement, casesOfKind, compare, rowsOf, specFor } from './fixtures';

describe.each(casesOfKind('knn'))('knn %s', (_name, fixture, _key, reference) => {
  it('predictions and probabilities match', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference));
    const XTest = rowsOf(fixture.XTest);
    expect(agreement(head.predict(XTest), reference.predict)).toBeGreaterThanOrEqual(0.99);
    // Same neighbours give the same vote fractions; 1e-9 allows for distance rounding in the 1/d weights.
    const proba = compare(head.predictProba(XTest), reference.proba!);
    expect(proba.maxAbs, `max abs ${proba.maxAbs} at ${proba.worst}`).toBeLessThanOrEqual(1e-9);
  });
});

describe.each(casesOfKind('nearest-centroid'))('nearest-centroid %s', (_name, fixture, _key, reference) => {
  it('predictions match', () => {
    const head = trainHead(rowsOf(fixture.XTrain), fixture.yTrain, specFor(fixture, reference));
    expect(agreement(head.predict(rowsOf(fixture.XTest)), reference.predict)).toBeGreaterThanOrEqual(0.99);
  });
});

// Oracle: brute force in float64, distances from their definitions (√Σ(q − x)² and
// 1 − q·x / (‖q‖‖x‖)) sorted by distance and then training index.
describe.each([true, false])('kNearestNeighbors, SIMD %s', (simd) => {
  afterEach(() => setSimdGemmEnabled(true));

  function bruteForce(model: KnnModel, X: DenseMatrix): { indices: number[][]; distances: number[][] } {
    const d = X.columns;
    const indices: number[][] = [];
    const distances: number[][] = [];
    for (let i = 0; i < X.rows; i++) {
      const all: [number, number][] = [];
      for (let j = 0; j < model.X.rows; j++) {
        let squared = 0;
        let product = 0;
        let qq = 0;
        let xx = 0;
        for (let t = 0; t < d; t++) {
          const q = X.data[i * d + t]!;
          const x = model.X.data[j * d + t]!;
          squared += (q - x) ** 2;
          product += q * x;
          qq += q * q;
          xx += x * x;
        }
        const cosine = 1 - product / ((Math.sqrt(qq) || 1) * (Math.sqrt(xx) || 1));
        all.push([model.metric === 'euclidean' ? Math.sqrt(squared) : Math.min(Math.max(cosine, 0), 2), j]);
      }
      all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      indices.push(all.slice(0, model.nNeighbors).map((p) => p[1]));
      distances.push(all.slice(0, model.nNeighbors).map((p) => p[0]));
    }
    return { indices, distances };
  }

  function check(model: KnnModel, X: DenseMatrix, distanceTolerance: number): void {
    const got = kNearestNeighbors(model, X);
    const expected = bruteForce(model, X);
    const k = model.nNeighbors;
    for (let i = 0; i < X.rows; i++) {
      expect(got.counts[i]).toBe(k);
      const indices = Array.from(got.indices.subarray(i * k, (i + 1) * k));
      expect(indices, `query ${i}: distances ${got.distances.subarray(i * k, (i + 1) * k)} vs ${expected.distances[i]}`).toEqual(expected.indices[i]);
      for (let t = 0; t < k; t++) {
        const error = Math.abs(got.distances[i * k + t]! - expected.distances[i]![t]!);
        expect(error, `query ${i}, neighbour ${t}: ${got.distances[i * k + t]} vs ${expected.distances[i]![t]}`).toBeLessThanOrEqual(distanceTolerance);
      }
    }
  }

  function rowsOf2(m: DenseMatrix): Float64Array[] {
    return Array.from({ length: m.rows }, (_, i) => m.data.slice(i * m.columns, (i + 1) * m.columns));
  }

  function matrix(rows: number, columns: number, value: (i: number, j: number) => number): DenseMatrix {
    const m = createDenseMatrix(rows, columns);
    for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) m.data[i * columns + j] = value(i, j);
    return m;
  }

  it('euclidean on integer features with many exact ties', () => {
    setSimdGemmEnabled(simd);
    const random = new Random(7);
    // Integer features keep every norm and product exact, so ties are exact on both sides and only
    // the tie-breaking by training index decides; 61 × 600 × 37 is large enough for the SIMD kernels.
    // Each row appears three times in a row, so ties also occur among the first k rows a heap takes in.
    const distinct = matrix(200, 37, () => random.nextInt(3) - 1);
    const train = matrix(600, 37, (i, j) => distinct.data[Math.floor(i / 3) * 37 + j]!);
    const queries = matrix(61, 37, () => random.nextInt(3) - 1);
    check({ nNeighbors: 7, metric: 'euclidean', weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(600) }, queries, 1e-12);
  });

  it('equal distances keep the lower training index', () => {
    setSimdGemmEnabled(simd);
    // Rows 0–2 tie at distance 5 and fill the heap first; row 3 must then evict the latest of them.
    const train = matrix(5, 1, (i) => [5, 5, 5, 1, 5][i]!);
    check({ nNeighbors: 2, metric: 'euclidean', weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(5) }, matrix(1, 1, () => 0), 0);
    check({ nNeighbors: 3, metric: 'euclidean', weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(5) }, matrix(1, 1, () => 0), 0);
  });

  it('gaps below float32 resolution', () => {
    setSimdGemmEnabled(simd);
    const random = new Random(5);
    // Six variants of each base row differ in feature 0 by multiples of 3e-8, so their distances to a query
    // differ by ~1e-8. That is far below what float32 products resolve (~1e-6 here) and far above float64
    // rounding (~1e-13), so only the float64 ranking of the candidates orders them right.
    const base = matrix(100, 64, () => random.nextFloat() - 0.5);
    const train = matrix(600, 64, (i, j) => base.data[Math.floor(i / 6) * 64 + j]! + (j === 0 ? ((i % 6) - 2.5) * 3e-8 : 0));
    const queries = matrix(40, 64, () => random.nextFloat() - 0.5);
    check({ nNeighbors: 5, metric: 'euclidean', weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(600) }, queries, 1e-12);
    check({ nNeighbors: 5, metric: 'cosine', weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(600) }, queries, 1e-12);
  });

  it('rows of very different magnitudes', () => {
    setSimdGemmEnabled(simd);
    const random = new Random(13);
    // Row scales from 1e-150 (below the smallest 16-bit quantization scale, so every screening product is 0
    // and only the bounds keep the neighbours) to 1e150 (above the largest, so the float kernels screen).
    // Distances scale with the rows, so the tolerance is 1e-12 relative to the largest distance.
    for (const magnitude of [1e-150, 1e-3, 1e150]) {
      const mixed = (i: number): number => {
        if (i % 7 === 0) return magnitude * 1000;
        if (i % 5 === 0) return magnitude * 1e-3;
        return magnitude;
      };
      const train = matrix(400, 24, (i) => mixed(i) * (random.nextFloat() - 0.5));
      const queries = matrix(30, 24, (i) => mixed(i + 1) * (random.nextFloat() - 0.5));
      for (const metric of ['euclidean', 'cosine'] as const) {
        const tolerance = metric === 'euclidean' ? 1e-12 * 1000 * magnitude * 10 : 1e-12;
        check({ nNeighbors: 4, metric, weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(400) }, queries, tolerance);
      }
    }
  });

  it('repeats neighbours after a JSON round trip', () => {
    setSimdGemmEnabled(simd);
    const random = new Random(17);
    // Big enough (300 × 64 against 700 rows) for the SIMD screening kernels. The oracle is the brute force
    // above for the first call. Later calls, also after a JSON round trip, must match the first bit for bit.
    // Float32Array rows stay float32 in the model and come back as float64 from JSON, with the same values.
    const XTrain64 = Array.from({ length: 700 }, () => Array.from({ length: 64 }, () => random.nextFloat() - 0.5));
    const XTrain32 = XTrain64.map((row) => Float32Array.from(row));
    const yTrain = XTrain64.map((_, i) => i % 3);
    const XTest = matrix(300, 64, () => random.nextFloat() - 0.5);
    for (const [XTrain, metric] of [
      [XTrain64, 'euclidean'],
      [XTrain64, 'cosine'],
      [XTrain32, 'euclidean'],
      [XTrain32, 'cosine'],
    ] as const) {
      const head = trainHead(XTrain, yTrain, { kind: 'knn', nNeighbors: 5, metric, weights: 'distance' });
      const model = (head.params as { model: KnnModel }).model;
      expect(model.X.data).toBeInstanceOf(XTrain === XTrain32 ? Float32Array : Float64Array);
      check(model, XTest, 1e-12);
      const first = kNearestNeighbors(model, XTest);
      const second = kNearestNeighbors(model, XTest);
      const json = JSON.stringify(head.toJSON());
      expect(json).not.toContain('"index"');
      const loaded = loadHead(json);
      const reloaded = kNearestNeighbors((loaded.params as { model: KnnModel }).model, XTest);
      for (const other of [second, reloaded]) {
        expect(Array.from(other.indices)).toEqual(Array.from(first.indices));
        expect(Array.from(other.distances)).toEqual(Array.from(first.distances));
        expect(Array.from(other.counts)).toEqual(Array.from(first.counts));
      }
      expect(loaded.predictProba(rowsOf2(XTest))).toEqual(head.predictProba(rowsOf2(XTest)));
    }
  });

  it('cosine with duplicated training rows and a zero query', () => {
    setSimdGemmEnabled(simd);
    const random = new Random(11);
    const base = matrix(300, 50, () => random.nextFloat() - 0.5);
    // Rows 300–599 repeat rows 0–299, so every neighbour has an exact twin and the lower index must come first.
    const train = matrix(600, 50, (i, j) => base.data[(i % 300) * 50 + j]!);
    const queries = matrix(40, 50, (i) => (i === 0 ? 0 : random.nextFloat() - 0.5));
    // Continuous features: the cosine of pre-normalised rows differs from the definition by rounding, ~1e-15.
    check({ nNeighbors: 6, metric: 'cosine', weights: 'uniform', nClasses: 2, X: train, y: new Int32Array(600) }, queries, 1e-12);
  });
});
