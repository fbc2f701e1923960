// Loads the scikit-learn 1.2 reference fixtures written by
// scripts/sklearn/generate_head_fixtures.py and compares our outputs with them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeadSpec, Label } from '../src/index';

export interface FixtureMatrix {
  rows: number;
  columns: number;
  data: number[];
}

export interface ModelFixture {
  spec: Record<string, any>;
  predict: Label[];
  objective?: number;
  objectives?: number[] | null;
  coef?: FixtureMatrix;
  intercept?: number[];
  decision?: FixtureMatrix;
  decisionOvo?: FixtureMatrix;
  proba?: FixtureMatrix;
  gammaValue?: number;
  nSupport?: number[];
}

export interface DatasetFixture {
  dataset: string;
  transforms: 'standardize'[];
  XTrain: FixtureMatrix;
  yTrain: Label[];
  XTest: FixtureMatrix;
  yTest: Label[];
  stratifiedKFold5: number[];
  models: Record<string, ModelFixture>;
  [extra: string]: any;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Dataset fixtures; 'cnn' (CNN features) exists only after running the generator with --cnn-features. */
export const DATASETS: string[] = ['iris', 'digits', 'breast_cancer', 'blobs', ...(existsSync(join(here, 'fixtures', 'cnn.json')) ? ['cnn'] : [])];

export function loadFixture(name: string): DatasetFixture {
  return JSON.parse(readFileSync(join(here, 'fixtures', `${name}.json`), 'utf8')) as DatasetFixture;
}

export function rowsOf(m: FixtureMatrix): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < m.rows; i++) out.push(Float64Array.from(m.data.slice(i * m.columns, (i + 1) * m.columns)));
  return out;
}

/** Our HeadSpec for a fixture's scikit-learn estimator, with the fixture's transforms. */
export function specFor(fixture: DatasetFixture, model: ModelFixture, overrides: Partial<HeadSpec> = {}): HeadSpec {
  const { classWeight, ...rest } = model.spec;
  const spec: HeadSpec = { ...(rest as HeadSpec), transforms: fixture.transforms, ...overrides };
  if (classWeight !== null && classWeight !== undefined) spec.classWeight = classWeight;
  return spec;
}

/** Fraction of positions where the two label arrays agree. */
export function agreement(a: Label[], b: Label[]): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** Max absolute and max relative (to max(|expected|, 1e-12)) difference, and where the largest absolute one is. */
export function compare(actual: ArrayLike<number>[], expected: FixtureMatrix): { maxAbs: number; maxRel: number; worst: string } {
  let maxAbs = 0;
  let maxRel = 0;
  let worst = 'none';
  for (let i = 0; i < expected.rows; i++) {
    for (let j = 0; j < expected.columns; j++) {
      const e = expected.data[i * expected.columns + j]!;
      const a = actual[i]![j]!;
      const diff = Math.abs(a - e);
      if (diff > maxAbs) {
        maxAbs = diff;
        worst = `[${i}][${j}] ours ${a} vs scikit-learn ${e}`;
      }
      maxRel = Math.max(maxRel, diff / Math.max(Math.abs(e), 1e-12));
    }
  }
  return { maxAbs, maxRel, worst };
}

/** Models in every dataset fixture whose spec kind is `kind`. */
export function casesOfKind(kind: string): [string, DatasetFixture, string, ModelFixture][] {
  const cases: [string, DatasetFixture, string, ModelFixture][] = [];
  for (const name of DATASETS) {
    const fixture = loadFixture(name);
    for (const [key, model] of Object.entries(fixture.models)) if (model.spec.kind === kind) cases.push([`${name}/${key}`, fixture, key, model]);
  }
  return cases;
}
