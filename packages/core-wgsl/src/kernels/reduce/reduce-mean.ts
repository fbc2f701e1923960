import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { checkShape, contiguousStrides, elementCount, mergeAxes, rankVectorFields, stridedOffsetsWgsl } from '../elementwise/tensor-shape';
import source from './reduce-mean.wgsl';

export interface ReduceMeanParams {
  /** Input shape, rank ≤ 6. */
  inputShape: readonly number[];
  /** Axes to average over, where negative values count from the end. Empty or absent means all axes, unless `noopWithEmptyAxes`. */
  axes?: readonly number[];
  /** Keep reduced axes as size 1. ONNX's default is true. */
  keepdims?: boolean;
  /** With empty `axes`, copy the input instead of reducing every axis (ONNX opset 18 attribute). */
  noopWithEmptyAxes?: boolean;
}

/** Sorted, non-negative axes that {@link reduceMeanProgram} reduces. */
function reducedAxes(params: ReduceMeanParams): number[] {
  const rank = params.inputShape.length;
  const axes = params.axes ?? [];
  if (axes.length === 0) return params.noopWithEmptyAxes ? [] : [...Array(rank).keys()];

  const normalized = axes.map((axis) => (axis < 0 ? axis + rank : axis));
  for (const [i, axis] of normalized.entries()) {
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      throw new Error(`reduce-mean: axis ${axes[i]} is out of range for rank ${rank}. Use a value in [${-rank}, ${rank - 1}].`);
    }
  }
  if (new Set(normalized).size !== normalized.length) {
    throw new Error(`reduce-mean: axes [${axes.join(', ')}] name the same axis twice.`);
  }
  return normalized.sort((a, b) => a - b);
}

/** Output shape of {@link reduceMeanProgram}. */
export function reduceMeanOutputShape(params: ReduceMeanParams): number[] {
  const reduced = new Set(reducedAxes(params));
  const keepdims = params.keepdims ?? true;
  const shape: number[] = [];
  params.inputShape.forEach((size, axis) => {
    if (!reduced.has(axis)) shape.push(size);
    else if (keepdims) shape.push(1);
  });
  return shape;
}

/**
 * ReduceMean over any set of axes, as ONNX ReduceMean (axes as an attribute or as a constant
 * input, resolved by the caller). `keepdims` changes only the output shape, not the data.
 *
 * Bindings: uniforms → input → output {@link reduceMeanOutputShape}.
 */
export function reduceMeanProgram(params: ReduceMeanParams): KernelProgram {
  const { inputShape } = params;
  checkShape('reduce-mean', 'input', inputShape);
  const reduced = new Set(reducedAxes(params));
  const strides = contiguousStrides(inputShape);

  const keptAxes = inputShape.map((_, axis) => axis).filter((axis) => !reduced.has(axis));
  const reducedList = [...reduced];
  const keptAxesMerged = mergeAxes(
    keptAxes.map((axis) => inputShape[axis]!),
    [keptAxes.map((axis) => strides[axis]!)],
  );
  const reducedAxesMerged = mergeAxes(
    reducedList.map((axis) => inputShape[axis]!),
    [reducedList.map((axis) => strides[axis]!)],
  );
  const outputLength = elementCount(keptAxesMerged.shape);
  const reducedCount = elementCount(reducedAxesMerged.shape);
  const keptRank = keptAxesMerged.shape.length;
  const reducedRank = reducedAxesMerged.shape.length;
  if (reducedCount === 0) {
    throw new Error(`reduce-mean: the reduced axes of [${inputShape.join(', ')}] are empty, and a mean over no elements is undefined.`);
  }

  return {
    name: 'reduce-mean',
    shaderKey: `reduce-mean|kept${keptRank}|reduced${reducedRank}`,
    code: specializeWgsl(source, {
      KEPT_OFFSET: stridedOffsetsWgsl(keptRank, 'index', 'kept_shape', [['base', 'kept_strides']]),
      REDUCED_OFFSET: stridedOffsetsWgsl(reducedRank, 'r', 'reduced_shape', [['offset', 'reduced_strides']]),
    }),
    dispatch: dispatch1d(ceilDiv(outputLength, 64)),
    uniforms: [
      ...rankVectorFields(keptAxesMerged.shape, 1),
      ...rankVectorFields(keptAxesMerged.strides[0]!, 0),
      ...rankVectorFields(reducedAxesMerged.shape, 1),
      ...rankVectorFields(reducedAxesMerged.strides[0]!, 0),
      ['u32', outputLength],
      ['u32', reducedCount],
    ],
    inputCount: 1,
    cost: { flops: elementCount(inputShape), bytes: (elementCount(inputShape) + outputLength) * 4 },
    operandLengths: { inputs: [elementCount(inputShape)], output: outputLength },
  };
}
