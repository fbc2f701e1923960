import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { checkShape, contiguousStrides, elementCount, MAX_RANK, rankVectorComponent, rankVectorFields } from '../elementwise/tensor-shape';
import source from './pad.wgsl';

/** ONNX Pad modes (`wrap`, added in opset 19, is not supported). */
export type PadMode = 'constant' | 'reflect' | 'edge';

export interface PadParams {
  /** Input shape, rank ≤ 6, such as NCHW. */
  inputShape: readonly number[];
  /** ONNX order: `[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`, two per axis. Negative values crop. */
  pads: readonly number[];
  mode?: PadMode;
  /** Fill value for `constant` mode. Defaults to 0. */
  value?: number;
}

/** Output shape of {@link padProgram}: each axis grows by its begin and end pads. */
export function padOutputShape(inputShape: readonly number[], pads: readonly number[]): number[] {
  const rank = inputShape.length;
  if (pads.length !== 2 * rank) {
    throw new Error(`pad: pads [${pads.join(', ')}] has ${pads.length} values, but input rank ${rank} needs ${2 * rank} (begins, then ends).`);
  }
  return inputShape.map((size, axis) => size + pads[axis]! + pads[axis + rank]!);
}

/**
 * Pads a tensor as ONNX Pad (opset 11 and later, pads resolved to an array by the caller).
 *
 * Bindings: uniforms → input → output {@link padOutputShape}.
 */
export function padProgram(params: PadParams): KernelProgram {
  const { inputShape, pads } = params;
  const mode = params.mode ?? 'constant';
  checkShape('pad', 'input', inputShape);
  const outputShape = padOutputShape(inputShape, pads);
  if (outputShape.some((size) => size < 0)) {
    throw new Error(`pad: pads [${pads.join(', ')}] crop more than the input [${inputShape.join(', ')}] contains.`);
  }
  const rank = inputShape.length;
  if (mode !== 'constant' && inputShape.some((size, axis) => size === 0 && outputShape[axis]! > 0)) {
    throw new Error(`pad: ${mode} mode cannot pad an empty axis of [${inputShape.join(', ')}]. Use constant mode.`);
  }

  const outputLength = elementCount(outputShape);
  return {
    name: `pad-${mode}`,
    shaderKey: `pad|${mode}|rank${rank}`,
    code: specializeWgsl(source, { EDGE: mode === 'edge', REFLECT: mode === 'reflect', AXES: axesWgsl(rank, mode) }),
    dispatch: dispatch1d(ceilDiv(outputLength, 64)),
    uniforms: [
      ...rankVectorFields(outputShape, 1),
      ...rankVectorFields(inputShape, 1),
      ...rankVectorFields(contiguousStrides(inputShape), 0),
      ...rankVectorFields(pads.slice(0, rank), 0, 'i32'),
      ['u32', outputLength],
      ['f32', params.value ?? 0],
    ],
    inputCount: 1,
    cost: { flops: 0, bytes: (elementCount(inputShape) + outputLength) * 4 },
    operandLengths: { inputs: [elementCount(inputShape)], output: outputLength },
  };
}

/**
 * Generates the per-axis WGSL of the pad shader, innermost axis first, with constant uniform
 * component indices (dynamic indexing into uniform vectors is several times slower on lavapipe).
 */
function axesWgsl(rank: number, mode: PadMode): string {
  const lines: string[] = [];
  for (let axis = MAX_RANK - 1; axis >= MAX_RANK - rank; axis--) {
    const c = rankVectorComponent(axis);
    lines.push(`let size_${axis} = i32(params.input_shape${c});`);
    lines.push(`let i_${axis} = i32(rest % params.output_shape${c}) - params.pad_begin${c};`);
    lines.push(`rest = rest / params.output_shape${c};`);
    if (mode === 'constant') lines.push(`outside = outside || i_${axis} < 0 || i_${axis} >= size_${axis};`);
    lines.push(`offset += u32(max(source_coordinate(i_${axis}, size_${axis}), 0)) * params.input_strides${c};`);
  }
  return lines.join('\n');
}
