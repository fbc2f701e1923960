/** Float64 reference for ONNX BatchNormalization in inference mode. */
export function referenceBatchNormalization(
  input: ArrayLike<number>,
  shape: readonly number[],
  scale: ArrayLike<number>,
  bias: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  epsilon: number,
): Float64Array {
  const channels = shape[1]!;
  const spatial = shape.slice(2).reduce((p, s) => p * s, 1);
  const output = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const c = Math.floor(i / spatial) % channels;
    output[i] = ((input[i]! - mean[c]!) / Math.sqrt(variance[c]! + epsilon)) * scale[c]! + bias[c]!;
  }
  return output;
}
