import type { Graph, Preprocessing } from '../../ir/graph';
import type { ModelSource } from '../../source';
import { assembleGraph } from './model-outputs';
import { NhwcGraphBuilder } from './nhwc-builder';
import { convertOperator, type TfliteContext } from './operators';
import { TensorType, parseTfliteModel, type TfliteTensor } from './schema';

/** Imports a TFLite flatbuffer (schema version 3) into the IR, with weights dequantized to float32. */
export async function importTflite(source: ModelSource): Promise<Graph> {
  return tfliteToGraph(await source.readMain(), source.name);
}

/** Converts the bytes of a `.tflite` file; `file` names it in error messages. */
export function tfliteToGraph(bytes: Uint8Array, file: string): Graph {
  const model = parseTfliteModel(bytes, file);
  const builder = new NhwcGraphBuilder(file);
  const context: TfliteContext = { model, builder, values: new Map(), constantAliases: new Map() };

  // The importer expects one NHWC image input.
  if (model.inputs.length !== 1) builder.fail(`the model has ${model.inputs.length} inputs; only single-input image models are supported`);
  const inputTensor = model.tensors[model.inputs[0]!]!;
  const [batch, height, width, channels] = inputTensor.shape;
  const validSize = (size: number | undefined): boolean => size !== undefined && size > 0 && size <= 1 << 16;
  if (inputTensor.shape.length !== 4 || channels !== 3 || !validSize(height) || !validSize(width)) {
    builder.fail(`input '${inputTensor.name}' has shape [${inputTensor.shape.join(', ')}]; expected an NHWC RGB image [N, H, W, 3]`);
  }
  // A batch of 1 in the file becomes a dynamic batch (-1), so the runner can extract features from several images per run.
  if (batch !== 1 && batch !== -1) builder.fail(`input '${inputTensor.name}' has batch size ${batch}; expected 1`);
  const input = builder.uniqueName(inputTensor.name);
  builder.setShape(input, [-1, height!, width!, 3]);
  context.values.set(inputTensor.index, input);

  for (const op of model.operators) convertOperator(context, op);

  const outputs = model.outputs.map((index): string => {
    const value = context.values.get(index);
    if (value === undefined) return builder.fail(`output tensor ${index} '${model.tensors[index]!.name}' is never produced`);
    return value;
  });

  return assembleGraph(builder, model.description || file, input, outputs, {
    sourceFormat: 'tflite',
    sourceName: file,
    preprocessing: preprocessingOf(inputTensor, height!, width!),
    properties: { description: model.description, schemaVersion: String(model.version), inputType: String(inputTensor.type) },
  });
}

/**
 * The input normalization that reproduces the input tensor's quantization:
 * the model computes x = scale × (q − zero_point), where q is the pixel for uint8
 * inputs and pixel − 128 for int8 inputs, so x = (pixel / 255 − mean) / std with
 * mean = (zero_point + offset) / 255 and std = 1 / (255 × scale).
 */
function preprocessingOf(input: TfliteTensor, height: number, width: number): Preprocessing {
  const quantized = (input.type === TensorType.UINT8 || input.type === TensorType.INT8) && input.quantization?.scale.length === 1;
  let mean = 0.5;
  let std = 0.5;
  if (quantized) {
    const offset = input.type === TensorType.INT8 ? 128 : 0;
    mean = ((input.quantization!.zeroPoint[0] ?? 0) + offset) / 255;
    std = 1 / (255 * input.quantization!.scale[0]!);
  }
  // NOTE: a float32 input does not record its normalization; [-1, 1] (mean = std = 0.5) is the MobileNet convention, not read from the file.
  return {
    height,
    width,
    sourceLayout: 'NHWC',
    channelOrder: 'RGB',
    mean: [mean, mean, mean],
    std: [std, std, std],
    resize: { mode: 'stretch' },
  };
}
