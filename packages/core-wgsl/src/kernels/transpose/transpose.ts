import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { checkShape, contiguousStrides, elementCount, mergeAxes, rankVectorFields, stridedOffsetsWgsl } from '../elementwise/tensor-shape';
import source from './transpose.wgsl';

export interface TransposeParams {
  /** Input shape, rank ≤ 6. */
  inputShape: readonly number[];
  /** Permutation where output axis `k` is input axis `perm[k]`. Defaults to reversing the axes, as in ONNX. */
  perm?: readonly number[];
}

/** Output shape of {@link transposeProgram}. */
export function transposeOutputShape(params: TransposeParams): number[] {
  const perm = resolvePermutation(params);
  return perm.map((axis) => params.inputShape[axis]!);
}

/**
 * Permutes the axes of a tensor, as ONNX Transpose. Axes that stay adjacent and in order
 * are merged first (NCHW → NHWC runs as a rank-3 transpose of `[N, C, H·W]`).
 *
 * Bindings: uniforms → input → output {@link transposeOutputShape}.
 */
export function transposeProgram(params: TransposeParams): KernelProgram {
  checkShape('transpose', 'input', params.inputShape);
  const perm = resolvePermutation(params);
  const inputStrides = contiguousStrides(params.inputShape);
  const outputShape = perm.map((axis) => params.inputShape[axis]!);
  const axes = mergeAxes(outputShape, [perm.map((axis) => inputStrides[axis]!)]);
  const length = elementCount(outputShape);
  const rank = axes.shape.length;

  return {
    name: 'transpose',
    shaderKey: `transpose|rank${rank}`,
    code: specializeWgsl(source, { INPUT_OFFSET: stridedOffsetsWgsl(rank, 'index', 'output_shape', [['offset', 'input_strides']]) }),
    dispatch: dispatch1d(ceilDiv(length, 64)),
    uniforms: [...rankVectorFields(axes.shape, 1), ...rankVectorFields(axes.strides[0]!, 0), ['u32', length]],
    inputCount: 1,
    cost: { flops: 0, bytes: length * 8 },
    operandLengths: { inputs: [length], output: length },
  };
}

function resolvePermutation(params: TransposeParams): number[] {
  const rank = params.inputShape.length;
  const perm = params.perm ? [...params.perm] : [...Array(rank).keys()].reverse();
  const valid = perm.length === rank && [...perm].sort((a, b) => a - b).every((axis, i) => axis === i);
  if (!valid) {
    throw new Error(`transpose: perm [${perm.join(', ')}] is not a permutation of the ${rank} axes of [${params.inputShape.join(', ')}].`);
  }
  return perm;
}
