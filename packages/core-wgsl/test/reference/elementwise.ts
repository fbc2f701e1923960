/** Float64 references for the element-wise kernels, written from the ONNX operator definitions. */

/** Numpy-style broadcast of two shapes. */
export function referenceBroadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const padA = [...new Array(rank - a.length).fill(1), ...a];
  const padB = [...new Array(rank - b.length).fill(1), ...b];
  return padA.map((size, i) => (size === 1 ? padB[i]! : size));
}

/**
 * `op(a, b)` with broadcasting: walks every output coordinate and reads each operand at
 * `coordinate mod size`, which repeats size-1 axes.
 */
export function referenceBinary(
  op: (x: number, y: number) => number,
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
): Float64Array {
  const outShape = referenceBroadcastShape(aShape, bShape);
  const rank = outShape.length;
  const padA = [...new Array(rank - aShape.length).fill(1), ...aShape];
  const padB = [...new Array(rank - bShape.length).fill(1), ...bShape];
  const length = outShape.reduce((p, s) => p * s, 1);
  const output = new Float64Array(length);
  const coordinate = new Array<number>(rank).fill(0);

  for (let i = 0; i < length; i++) {
    let indexA = 0;
    let indexB = 0;
    for (let axis = 0; axis < rank; axis++) {
      indexA = indexA * padA[axis]! + (coordinate[axis]! % padA[axis]!);
      indexB = indexB * padB[axis]! + (coordinate[axis]! % padB[axis]!);
    }
    output[i] = op(a[indexA]!, b[indexB]!);

    for (let axis = rank - 1; axis >= 0; axis--) {
      coordinate[axis]! += 1;
      if (coordinate[axis]! < outShape[axis]!) break;
      coordinate[axis] = 0;
    }
  }
  return output;
}
