/** Float64 references for the data-movement kernels: Concat, Pad and Transpose (ONNX semantics). */

function strides(shape: readonly number[]): number[] {
  const result = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    result[axis] = stride;
    stride *= shape[axis]!;
  }
  return result;
}

/** Calls `visit` with every coordinate of `shape` in row-major order. */
function forEachCoordinate(shape: readonly number[], visit: (coordinate: number[], index: number) => void): void {
  const length = shape.reduce((p, s) => p * s, 1);
  const coordinate = new Array<number>(shape.length).fill(0);
  for (let index = 0; index < length; index++) {
    visit(coordinate, index);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      coordinate[axis]! += 1;
      if (coordinate[axis]! < shape[axis]!) break;
      coordinate[axis] = 0;
    }
  }
}

export function referenceConcat(inputs: readonly ArrayLike<number>[], shapes: readonly (readonly number[])[], axis: number): { shape: number[]; data: Float64Array } {
  const rank = shapes[0]!.length;
  const concatAxis = axis < 0 ? axis + rank : axis;
  const shape = [...shapes[0]!];
  shape[concatAxis] = shapes.reduce((sum, s) => sum + s[concatAxis]!, 0);
  const outputStrides = strides(shape);
  const data = new Float64Array(shape.reduce((p, s) => p * s, 1));

  let offset = 0;
  inputs.forEach((input, k) => {
    forEachCoordinate(shapes[k]!, (coordinate, index) => {
      let target = 0;
      coordinate.forEach((value, a) => {
        target += (a === concatAxis ? value + offset : value) * outputStrides[a]!;
      });
      data[target] = input[index]!;
    });
    offset += shapes[k]![concatAxis]!;
  });
  return { shape, data };
}

/** Maps an out-of-range coordinate into [0, size) by reflecting back and forth, one bounce at a time, as numpy.pad's "reflect". */
function reflectIndex(i: number, size: number): number {
  if (size === 1) return 0;
  let index = i;
  while (index < 0 || index >= size) {
    if (index < 0) index = -index;
    if (index >= size) index = 2 * (size - 1) - index;
  }
  return index;
}

export function referencePad(
  input: ArrayLike<number>,
  shape: readonly number[],
  pads: readonly number[],
  mode: 'constant' | 'reflect' | 'edge',
  value: number,
): { shape: number[]; data: Float64Array } {
  const rank = shape.length;
  const outputShape = shape.map((size, a) => size + pads[a]! + pads[a + rank]!);
  const inputStrides = strides(shape);
  const data = new Float64Array(outputShape.reduce((p, s) => p * s, 1));

  forEachCoordinate(outputShape, (coordinate, index) => {
    let source = 0;
    let outside = false;
    for (let a = 0; a < rank; a++) {
      let i = coordinate[a]! - pads[a]!;
      if (i < 0 || i >= shape[a]!) {
        if (mode === 'constant') outside = true;
        else if (mode === 'edge') i = Math.min(Math.max(i, 0), shape[a]! - 1);
        else i = reflectIndex(i, shape[a]!);
      }
      source += i * inputStrides[a]!;
    }
    data[index] = outside ? value : input[source]!;
  });
  return { shape: outputShape, data };
}

export function referenceTranspose(input: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): { shape: number[]; data: Float64Array } {
  const outputShape = perm.map((axis) => shape[axis]!);
  const outputStrides = strides(outputShape);
  const data = new Float64Array(input.length);
  forEachCoordinate(shape, (coordinate, index) => {
    let target = 0;
    perm.forEach((axis, k) => {
      target += coordinate[axis]! * outputStrides[k]!;
    });
    data[target] = input[index]!;
  });
  return { shape: outputShape, data };
}
