/**
 * Layout conversions shared by the NHWC importers (TFLite and TF.js): weight
 * transposes into ONNX layouts, NHWC ↔ NCHW shapes and axes, and TensorFlow's
 * `SAME` padding.
 */

/** Transposes a dense row-major tensor: output dimension i is input dimension `perm[i]`. */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((axis) => shape[axis]!);
  const inStrides = stridesOf(shape);
  const permutedStrides = perm.map((axis) => inStrides[axis]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);

  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let d = 0; d < rank; d++) source += index[d]! * permutedStrides[d]!;
    out[o] = data[source]!;

    // Advance the output multi-index like an odometer.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}

/** [N, H, W, C] → [N, C, H, W]; other ranks are returned unchanged. */
export function nchwShape<T>(nhwc: readonly T[]): T[] {
  if (nhwc.length !== 4) return [...nhwc];
  return [nhwc[0]!, nhwc[3]!, nhwc[1]!, nhwc[2]!];
}

/** Maps an axis of a rank-4 NHWC tensor to its NCHW position; lower ranks keep their axes. */
export function nchwAxis(axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return normalized;
  return [0, 2, 3, 1][normalized]!;
}

/**
 * Returns whether a rank-4 NHWC tensor has the same element order in NCHW, so a
 * layout change is a plain reshape. That is the case when C is 1 or H × W is 1.
 */
export function sameOrderInNchw(nhwc: readonly number[]): boolean {
  if (nhwc.length !== 4) return true;
  return nhwc[3] === 1 || nhwc[1]! * nhwc[2]! === 1;
}

/**
 * TensorFlow `SAME` padding along one axis: the output has ceil(in / stride)
 * elements and the odd padding element goes after (bottom or right).
 */
export function samePadding(inputSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  const outputSize = Math.ceil(inputSize / stride);
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const total = Math.max((outputSize - 1) * stride + effectiveKernel - inputSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output size of a convolution or pooling window along one axis with explicit padding. */
export function windowOutputSize(inputSize: number, kernel: number, stride: number, dilation: number, padBefore: number, padAfter: number): number {
  const effectiveKernel = (kernel - 1) * dilation + 1;
  return Math.floor((inputSize + padBefore + padAfter - effectiveKernel) / stride) + 1;
}
