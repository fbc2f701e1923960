import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { checkShape, elementCount } from '../elementwise/tensor-shape';
import source from './softmax.wgsl';

export interface SoftmaxParams {
  /** Input shape, which is also the output shape. */
  shape: readonly number[];
  /** Axis to normalize along, where negative values count from the end. Defaults to -1, the last axis. */
  axis?: number;
}

/**
 * Numerically stable softmax along one axis, as ONNX Softmax from opset 13:
 * `exp(x − max) / Σ exp(x − max)` over each line along `axis`. (Opsets below 13 flatten the
 * input to 2-D at `axis` first: pass that 2-D shape with axis 1.)
 *
 * Bindings: uniforms → input → output.
 */
export function softmaxProgram(params: SoftmaxParams): KernelProgram {
  const { shape } = params;
  checkShape('softmax', 'input', shape);
  const rank = shape.length;
  const requested = params.axis ?? -1;
  const axis = requested < 0 ? requested + rank : requested;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new Error(`softmax: axis ${requested} is out of range for shape [${shape.join(', ')}]. Use a value in [${-rank}, ${rank - 1}].`);
  }
  const axisSize = shape[axis]!;
  if (axisSize === 0) {
    throw new Error(`softmax: axis ${axis} of shape [${shape.join(', ')}] is empty, and softmax over no elements is undefined.`);
  }

  const inner = elementCount(shape.slice(axis + 1));
  const lines = elementCount(shape) / axisSize;
  return {
    name: 'softmax',
    shaderKey: 'softmax',
    code: source,
    dispatch: dispatch1d(ceilDiv(lines, 64)),
    uniforms: [
      ['u32', lines],
      ['u32', axisSize],
      ['u32', inner],
    ],
    inputCount: 1,
    cost: { flops: elementCount(shape) * 4, bytes: elementCount(shape) * 12 },
    operandLengths: { inputs: [elementCount(shape)], output: elementCount(shape) },
  };
}
