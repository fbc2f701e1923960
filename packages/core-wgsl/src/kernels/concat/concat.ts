import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { checkShape, elementCount } from '../elementwise/tensor-shape';
import source from './concat.wgsl';

export interface ConcatSliceParams {
  /** Shape of this input. */
  inputShape: readonly number[];
  /** Concat axis, where negative values count from the end, as in ONNX. */
  axis: number;
  /** Position along `axis` where this input starts in the output: the sum of the earlier inputs' sizes. */
  axisOffset: number;
  /** Size of the output along `axis`: the sum over all inputs. */
  outputAxisSize: number;
}

/**
 * Copies one input of an ONNX Concat into its slice of the output. Run one program per input,
 * all bound to the same output buffer; {@link concatPrograms} builds the whole set.
 *
 * Bindings: uniforms → input → output (the whole concatenated tensor).
 */
export function concatSliceProgram(params: ConcatSliceParams): KernelProgram {
  const { inputShape, axisOffset, outputAxisSize } = params;
  checkShape('concat', 'input', inputShape);
  const axis = normalizeAxis(params.axis, inputShape.length);
  const inner = elementCount(inputShape.slice(axis + 1));
  const length = elementCount(inputShape);
  if (axisOffset < 0 || axisOffset + inputShape[axis]! > outputAxisSize) {
    throw new Error(
      `concat: an input of size ${inputShape[axis]} at offset ${axisOffset} along axis ${axis} ` +
        `does not fit an output of size ${outputAxisSize} along that axis.`,
    );
  }

  return {
    name: 'concat',
    shaderKey: 'concat',
    code: source,
    dispatch: dispatch1d(ceilDiv(length, 256)),
    uniforms: [
      ['u32', length],
      ['u32', inputShape[axis]! * inner],
      ['u32', outputAxisSize * inner],
      ['u32', axisOffset * inner],
    ],
    inputCount: 1,
    cost: { flops: 0, bytes: length * 8 },
  };
}

/**
 * Builds one {@link concatSliceProgram} per input (program `i` reads input `i`) and the output
 * shape, after checking that all inputs agree on every axis but `axis`.
 */
export function concatPrograms(inputShapes: readonly (readonly number[])[], axis: number): { programs: KernelProgram[]; outputShape: number[] } {
  const first = inputShapes[0];
  if (!first) throw new Error('concat: at least one input is required.');
  const concatAxis = normalizeAxis(axis, first.length);

  for (const [index, shape] of inputShapes.entries()) {
    const mismatch = shape.length !== first.length || shape.some((size, a) => a !== concatAxis && size !== first[a]);
    if (mismatch) {
      throw new Error(
        `concat: input ${index} has shape [${shape.join(', ')}], which differs from input 0 [${first.join(', ')}] ` +
          `on an axis other than the concat axis ${concatAxis}.`,
      );
    }
  }

  const outputAxisSize = inputShapes.reduce((sum, shape) => sum + shape[concatAxis]!, 0);
  const programs: KernelProgram[] = [];
  let axisOffset = 0;
  for (const shape of inputShapes) {
    programs.push(concatSliceProgram({ inputShape: shape, axis: concatAxis, axisOffset, outputAxisSize }));
    axisOffset += shape[concatAxis]!;
  }
  const outputShape = [...first];
  outputShape[concatAxis] = outputAxisSize;
  return { programs, outputShape };
}

function normalizeAxis(axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(normalized) || normalized < 0 || normalized >= rank) {
    throw new Error(`concat: axis ${axis} is out of range for rank ${rank}. Use a value in [${-rank}, ${rank - 1}].`);
  }
  return normalized;
}
