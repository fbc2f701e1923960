/** Float64 references for pooling, written from the ONNX operator definitions. */

/** GlobalAveragePool / GlobalMaxPool over `[N, C, ...spatial]`, one value per plane. */
export function referenceGlobalPool(input: ArrayLike<number>, planes: number, planeSize: number, mode: 'average' | 'max'): Float64Array {
  const output = new Float64Array(planes);
  for (let p = 0; p < planes; p++) {
    let sum = 0;
    let max = -Infinity;
    for (let i = 0; i < planeSize; i++) {
      const value = input[p * planeSize + i]!;
      sum += value;
      max = Math.max(max, value);
    }
    output[p] = mode === 'max' ? max : sum / planeSize;
  }
  return output;
}
