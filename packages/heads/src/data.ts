import type { Matrix } from 'ml-matrix';

/** A dense row-major float64 matrix: `data[i * columns + j]` is row i, column j. */
export interface DenseMatrix {
  rows: number;
  columns: number;
  data: Float64Array;
}

/** A dense row-major float32 matrix, for features kept in the precision the caller passed them in. */
export interface Float32Matrix {
  rows: number;
  columns: number;
  data: Float32Array;
}

/** Features in float64 or float32, row-major. */
export type FeatureMatrix = DenseMatrix | Float32Matrix;

/** Anything with `rows`, `columns` and `get(i, j)`, such as an ml-matrix `Matrix`. */
export interface MatrixLike {
  readonly rows: number;
  readonly columns: number;
  get(row: number, column: number): number;
}

/** Feature input: one array per sample (`Float32Array[]`, `number[][]`) or a matrix. */
export type FeatureInput = ArrayLike<number>[] | MatrixLike | DenseMatrix | Matrix;

/** A class label as the caller passed it. */
export type Label = number | string;

export function createDenseMatrix(rows: number, columns: number): DenseMatrix {
  return { rows, columns, data: new Float64Array(rows * columns) };
}

function isDenseMatrix(input: FeatureInput): input is DenseMatrix {
  return !Array.isArray(input) && (input as DenseMatrix).data instanceof Float64Array && typeof (input as MatrixLike).get !== 'function';
}

/**
 * Copies features into a float64 dense matrix and rejects empty input, ragged rows
 * and NaN or infinite values, naming the sample and feature index.
 */
export function toDenseMatrix(input: FeatureInput, what = 'X'): DenseMatrix {
  checkFeatureInput(input, what);
  let out: DenseMatrix;

  if (Array.isArray(input)) {
    if (input.length === 0) throw new Error(`${what} is empty: pass at least one sample`);
    const columns = input[0]!.length;
    if (columns === 0) throw new Error(`${what} has samples with 0 features: pass at least one feature`);
    out = createDenseMatrix(input.length, columns);
    for (let i = 0; i < input.length; i++) {
      const row = input[i]!;
      if (row.length !== columns) {
        throw new Error(`${what}[${i}] has ${row.length} features but ${what}[0] has ${columns}: all samples need the same length`);
      }
      // set() converts and copies in native code, several times faster than an element loop.
      out.data.set(row, i * columns);
    }
  } else if (isDenseMatrix(input)) {
    out = { rows: input.rows, columns: input.columns, data: Float64Array.from(input.data) };
  } else {
    const m = input as MatrixLike;
    out = createDenseMatrix(m.rows, m.columns);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out.data[i * m.columns + j] = m.get(i, j);
  }

  if (out.rows === 0) throw new Error(`${what} is empty: pass at least one sample`);
  if (out.columns === 0) throw new Error(`${what} has 0 features: pass at least one feature`);
  assertFinite(out, what);
  return out;
}

/**
 * Copies one Float32Array per sample into a float32 matrix, with the checks of toDenseMatrix,
 * at half the memory of a float64 copy. Returns undefined for any other input, which
 * toDenseMatrix then takes.
 */
export function toFloat32Matrix(input: FeatureInput, what = 'X'): Float32Matrix | undefined {
  if (!Array.isArray(input) || input.length === 0 || !input.every((row) => row instanceof Float32Array)) return undefined;
  const rows = input as Float32Array[];
  const columns = rows[0]!.length;
  if (columns === 0) throw new Error(`${what} has samples with 0 features: pass at least one feature`);
  const out: Float32Matrix = { rows: rows.length, columns, data: new Float32Array(rows.length * columns) };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.length !== columns) {
      throw new Error(`${what}[${i}] has ${row.length} features but ${what}[0] has ${columns}: all samples need the same length`);
    }
    out.data.set(row, i * columns);
  }
  assertFinite(out, what);
  return out;
}

/** Names a value's kind for messages: `a string`, `a Float32Array of 12 values`, `null`. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length} values`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}

/**
 * Rejects input that is not one of the FeatureInput forms, with what it is and what to pass. A flat
 * typed array, the commonest slip, gets the way to split it into rows.
 */
function checkFeatureInput(input: unknown, what: string): void {
  const expected = `pass one array per sample (number[][] or Float32Array[]), { rows, columns, data: Float64Array } or a matrix with rows, columns and get(i, j)`;
  if (Array.isArray(input)) {
    const index = input.findIndex((row) => !Array.isArray(row) && !ArrayBuffer.isView(row));
    if (index !== -1) throw new Error(`${what}[${index}] is ${describeValue(input[index])}, not an array of features: ${expected}`);
    return;
  }
  if (ArrayBuffer.isView(input)) {
    throw new Error(
      `${what} is ${describeValue(input)}, one flat array: split it into one row per sample (for example with subarray(i * featureSize, (i + 1) * featureSize)), or ${expected}`,
    );
  }
  const matrix = input as Partial<MatrixLike & DenseMatrix> | null;
  const hasShape = matrix !== null && typeof matrix === 'object' && Number.isInteger(matrix.rows) && Number.isInteger(matrix.columns);
  if (!hasShape || (typeof matrix!.get !== 'function' && !(matrix!.data instanceof Float64Array))) {
    throw new Error(`${what} is ${describeValue(input)}, not a feature matrix: ${expected}`);
  }
}

/** Throws on the first NaN or infinite value, naming its position. */
export function assertFinite(m: FeatureMatrix, what: string): void {
  const { data, columns } = m;
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    if (!Number.isFinite(v)) {
      const i = Math.floor(k / columns);
      throw new Error(`${what}[${i}][${k - i * columns}] is ${v}: features must be finite numbers (remove or impute NaN and infinite values)`);
    }
  }
}

/** Copies the selected rows into a new matrix. */
export function selectRows(m: DenseMatrix, indices: ArrayLike<number>): DenseMatrix {
  const out = createDenseMatrix(indices.length, m.columns);
  for (let r = 0; r < indices.length; r++) {
    const src = indices[r]! * m.columns;
    out.data.set(m.data.subarray(src, src + m.columns), r * m.columns);
  }
  return out;
}

/** Returns a view of row i. */
export function rowView(m: DenseMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.columns, (i + 1) * m.columns);
}

export function dot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, n: number): number {
  // Four accumulators let the JIT overlap the multiply-adds.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += a[aOffset + j]! * b[bOffset + j]!;
    s1 += a[aOffset + j + 1]! * b[bOffset + j + 1]!;
    s2 += a[aOffset + j + 2]! * b[bOffset + j + 2]!;
    s3 += a[aOffset + j + 3]! * b[bOffset + j + 3]!;
  }
  for (; j < n; j++) s0 += a[aOffset + j]! * b[bOffset + j]!;
  return s0 + s1 + s2 + s3;
}

/** Converts a result matrix to one Float64Array per row. */
export function toRows(m: DenseMatrix): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let i = 0; i < m.rows; i++) rows.push(m.data.slice(i * m.columns, (i + 1) * m.columns));
  return rows;
}
