import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { activationKey, activationWgsl, NO_ACTIVATION, type Activation } from '../activation/activation';
import binarySource from './binary.wgsl';
import { broadcastShapes, checkShape, contiguousStrides, elementCount, mergeAxes, rankVectorFields, stridedOffsetsWgsl } from './tensor-shape';

/** Binary element-wise operators, as in ONNX Add, Sub, Mul and Div. */
export type BinaryOperator = 'add' | 'sub' | 'mul' | 'div';

export interface BinaryParams {
  operator: BinaryOperator;
  /** Shape of the first operand, rank ≤ 6. */
  aShape: readonly number[];
  /** Shape of the second operand, rank ≤ 6, broadcast against `aShape` as numpy does. */
  bShape: readonly number[];
  /** Activation applied to each result, such as a ReLU after a residual Add. */
  activation?: Activation;
}

const OPERATIONS: Record<BinaryOperator, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
};

/**
 * Binary element-wise operation with multidirectional broadcasting:
 * `output = activation(a OP b)`, with the output shape from {@link binaryOutputShape}.
 *
 * Bindings: uniforms → a → b → output.
 */
export function binaryProgram(params: BinaryParams): KernelProgram {
  const { operator, aShape, bShape } = params;
  const activation = params.activation ?? NO_ACTIVATION;
  const name = `binary-${operator}`;
  checkShape(name, 'a', aShape);
  checkShape(name, 'b', bShape);

  const outShape = broadcastShapes(aShape, bShape);
  const length = elementCount(outShape);
  const axes = mergeAxes(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const [aStrides, bStrides] = axes.strides as [number[], number[]];
  const sameShape = axes.shape.length <= 1 && aStrides.every((s) => s === 1) && bStrides.every((s) => s === 1);
  const rank = axes.shape.length;

  return {
    name,
    shaderKey: `binary|${operator}|${sameShape ? 'same' : `broadcast-rank${rank}`}|${activationKey(activation)}`,
    code: specializeWgsl(binarySource, {
      ACTIVATION: activationWgsl(activation),
      OPERATION: OPERATIONS[operator],
      SAME_SHAPE: sameShape,
      OPERAND_OFFSETS: sameShape ? '' : stridedOffsetsWgsl(rank, 'i', 'out_shape', [['index_a', 'a_strides'], ['index_b', 'b_strides']]),
    }),
    dispatch: dispatch1d(ceilDiv(length, 256)),
    uniforms: [
      ...rankVectorFields(axes.shape, 1),
      ...rankVectorFields(aStrides, 0),
      ...rankVectorFields(bStrides, 0),
      ['u32', length],
    ],
    inputCount: 2,
    cost: { flops: length, bytes: (elementCount(aShape) + elementCount(bShape) + length) * 4 },
    operandLengths: { inputs: [elementCount(aShape), elementCount(bShape)], output: length },
  };
}

/** Output shape of {@link binaryProgram}: the broadcast of both operand shapes. */
export function binaryOutputShape(aShape: readonly number[], bShape: readonly number[]): number[] {
  return broadcastShapes(aShape, bShape);
}

/** Strides of an operand aligned to `outShape`, with 0 on the axes it is broadcast along. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, axis) => {
    const own = axis - offset;
    if (own < 0 || shape[own] === 1) return 0;
    return strides[own]!;
  });
}
