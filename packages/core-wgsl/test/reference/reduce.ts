/** Float64 references for Softmax and ReduceMean (ONNX semantics). */

export function referenceSoftmax(input: ArrayLike<number>, shape: readonly number[], axis: number): Float64Array {
  const a = axis < 0 ? axis + shape.length : axis;
  const size = shape[a]!;
  const inner = shape.slice(a + 1).reduce((p, s) => p * s, 1);
  const outer = shape.slice(0, a).reduce((p, s) => p * s, 1);
  const output = new Float64Array(input.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * size + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, input[at(k)]!);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(input[at(k)]! - max);
      for (let k = 0; k < size; k++) output[at(k)] = Math.exp(input[at(k)]! - max) / sum;
    }
  }
  return output;
}

/** ReduceMean with keepdims, by accumulating each input element into its output slot. */
export function referenceReduceMean(input: ArrayLike<number>, shape: readonly number[], axes: readonly number[]): { keptShape: number[]; data: Float64Array } {
  const rank = shape.length;
  const reduced = new Set((axes.length === 0 ? [...shape.keys()] : axes).map((a) => (a < 0 ? a + rank : a)));
  const keptShape = shape.map((size, a) => (reduced.has(a) ? 1 : size));
  const sums = new Float64Array(keptShape.reduce((p, s) => p * s, 1));
  const coordinate = new Array<number>(rank).fill(0);

  for (let index = 0; index < input.length; index++) {
    let target = 0;
    for (let a = 0; a < rank; a++) target = target * keptShape[a]! + (reduced.has(a) ? 0 : coordinate[a]!);
    sums[target]! += input[index]!;
    for (let a = rank - 1; a >= 0; a--) {
      coordinate[a]! += 1;
      if (coordinate[a]! < shape[a]!) break;
      coordinate[a] = 0;
    }
  }
  const count = input.length / sums.length;
  return { keptShape, data: sums.map((sum) => sum / count) };
}
