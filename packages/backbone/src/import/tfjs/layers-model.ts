import type { Graph } from '../../ir/graph';
import { assembleGraph } from '../tflite/model-outputs';
import { NhwcGraphBuilder } from '../tflite/nhwc-builder';
import { convertLayer, type KerasLayer, type LayerWeights } from './layers';
import { imagePreprocessing } from './preprocessing';
import type { TfjsWeight } from './weights';

/** A reference to one output of one call of a layer: [layer name, node index, tensor index]. */
type KerasHistory = [string, number, number];

/**
 * Converts a TF.js layers model (a Keras `modelTopology`, Functional/Model or
 * Sequential, channels_last) with its decoded weights into the IR.
 */
export function layersModelToGraph(modelJson: Record<string, unknown>, weights: Map<string, TfjsWeight>, file: string): Graph {
  const builder = new NhwcGraphBuilder(file);
  const topology = (modelJson.modelTopology ?? {}) as Record<string, unknown>;
  const model = (topology.model_config ?? topology) as { class_name?: string; config?: unknown };
  const config = (model.config ?? {}) as Record<string, unknown>;
  const layerList = (Array.isArray(model.config) ? model.config : config.layers) as KerasLayer[] | undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) return builder.fail('modelTopology has no layers; is this a Keras layers model?');
  const layers = layerList.map((layer, index) => checkLayer(builder, layer, index));
  const lookup = weightLookup(builder, weights);

  // Each call of a layer produces a value keyed `name@nodeIndex`.
  const values = new Map<string, string>();
  let input: string;
  let outputs: string[];
  if (model.class_name === 'Sequential') {
    // A Sequential model declares its input shape on an InputLayer or on its first layer.
    const first = layers[0]!;
    input = addInput(builder, first.class_name === 'InputLayer' ? first : { ...first, name: 'input' }, first.config);
    let current = input;
    for (const layer of layers) {
      if (layer.class_name === 'InputLayer') continue;
      current = convertLayer(builder, layer, [current], (parameter, required) => lookup(layer.name!, parameter, required));
    }
    outputs = [current];
  } else {
    input = convertFunctional(builder, layers, config, values, lookup);
    outputs = historyList(config.output_layers).map(([name, node]) => {
      const value = values.get(`${name}@${node}`);
      if (value === undefined) return builder.fail(`output layer '${name}' (node ${node}) is never computed`);
      return value;
    });
  }

  const name = typeof config.name === 'string' ? config.name : file;
  const inputShape = builder.shape(input);
  return assembleGraph(builder, name, input, outputs, {
    sourceFormat: 'tfjs-layers',
    sourceName: file,
    preprocessing: imagePreprocessing(inputShape[1]!, inputShape[2]!, typeof config.name === 'string' ? config.name : ''),
    properties: { kerasVersion: String(topology.keras_version ?? ''), backend: String(topology.backend ?? ''), modelClass: String(model.class_name ?? '') },
  });
}

function checkLayer(builder: NhwcGraphBuilder, layer: unknown, index: number): KerasLayer {
  const candidate = layer as Partial<KerasLayer> | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.class_name !== 'string' || typeof candidate.config !== 'object' || candidate.config === null) {
    builder.fail(`layer ${index} is not a Keras layer object with class_name and config`);
  }
  const name = candidate.name ?? candidate.config.name;
  if (typeof name !== 'string' || name === '') builder.fail(`layer ${index} (${candidate.class_name}) has no name`);
  return { ...candidate, name } as KerasLayer;
}

/** Creates the graph input from an InputLayer's `batch_input_shape` (Keras 2) or `batch_shape` (Keras 3). */
function addInput(builder: NhwcGraphBuilder, layer: KerasLayer, config: Record<string, unknown>): string {
  const shape = (config.batch_input_shape ?? config.batch_shape) as unknown;
  const valid = Array.isArray(shape) && shape.length === 4 && shape.slice(1).every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 16) && shape[3] === 3;
  if (!valid) builder.fail(`input layer '${layer.name}' has batch_input_shape ${JSON.stringify(shape)}; expected [null, H, W, 3]`);
  const dims = shape as (number | null)[];
  const name = builder.uniqueName(layer.name!);
  builder.setShape(name, [typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : -1, dims[1]!, dims[2]!, 3]);
  return name;
}

/** Converts a Functional model's layer graph, resolving each call's inputs once they exist. */
function convertFunctional(
  builder: NhwcGraphBuilder,
  layers: KerasLayer[],
  config: Record<string, unknown>,
  values: Map<string, string>,
  lookup: (layer: string, parameter: string, required: boolean) => TfjsWeight | undefined,
): string {
  const inputLayers = historyList(config.input_layers);
  if (inputLayers.length !== 1) builder.fail(`the model has ${inputLayers.length} input layers; only single-input image models are supported`);

  let input: string | undefined;
  const pending: { layer: KerasLayer; node: number; inputs: KerasHistory[] }[] = [];
  for (const layer of layers) {
    if (layer.class_name === 'InputLayer') {
      input = addInput(builder, layer, layer.config);
      values.set(`${layer.name}@0`, input);
      continue;
    }
    const calls = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
    if (calls.length === 0) builder.fail(`layer '${layer.name}' has no inbound nodes, so it is never called`);
    calls.forEach((call, node) => pending.push({ layer, node, inputs: historyList(call) }));
  }
  if (input === undefined) builder.fail('the model has no InputLayer');

  // Layers are usually listed in topological order; repeat passes cover the rest, and stop when a pass makes no progress.
  while (pending.length > 0) {
    const before = pending.length;
    for (let i = 0; i < pending.length; ) {
      const call = pending[i]!;
      const inputs = call.inputs.map(([name, node, tensor]) => (tensor === 0 ? values.get(`${name}@${node}`) : undefined));
      if (inputs.some((value) => value === undefined)) {
        i++;
        continue;
      }
      const weights: LayerWeights = (parameter, required) => lookup(call.layer.name!, parameter, required);
      values.set(`${call.layer.name}@${call.node}`, convertLayer(builder, call.layer, inputs as string[], weights));
      pending.splice(i, 1);
    }
    if (pending.length === before) {
      const stuck = pending[0]!;
      builder.fail(`layer '${stuck.layer.name}' reads ${JSON.stringify(stuck.inputs)}, which no layer produces (missing layer, cycle, or a multi-output layer)`);
    }
  }
  return input;
}

/**
 * Extracts layer references from Keras 2 inbound nodes (`[[name, node, tensor, kwargs], ...]`),
 * Keras 3 inbound nodes (`{args: [{config: {keras_history: [...]}}]}`) and input/output layer lists.
 */
function historyList(value: unknown): KerasHistory[] {
  const found: KerasHistory[] = [];
  const visit = (item: unknown, depth: number): void => {
    if (depth > 8 || item === null || typeof item !== 'object') return;
    if (Array.isArray(item)) {
      if (typeof item[0] === 'string' && Number.isInteger(item[1]) && Number.isInteger(item[2])) {
        found.push([item[0], item[1] as number, item[2] as number]);
        return;
      }
      for (const element of item) visit(element, depth + 1);
      return;
    }
    const record = item as Record<string, unknown>;
    const history = (record.config as Record<string, unknown> | undefined)?.keras_history;
    if (history !== undefined) return visit(history, depth + 1);
    if (record.args !== undefined) visit(record.args, depth + 1);
  };
  visit(value, 0);
  return found;
}

/**
 * Finds a layer's weight by `layer/parameter`, also when the manifest prefixes
 * names with an outer model's scope or suffixes them with `:0`.
 */
function weightLookup(builder: NhwcGraphBuilder, weights: Map<string, TfjsWeight>): (layer: string, parameter: string, required: boolean) => TfjsWeight | undefined {
  const byShortName = new Map<string, TfjsWeight>();
  for (const [name, weight] of weights) {
    const parts = name.replace(/:0$/, '').split('/');
    if (parts.length >= 2) byShortName.set(parts.slice(-2).join('/'), weight);
  }
  return (layer, parameter, required) => {
    const key = `${layer}/${parameter}`;
    const weight = weights.get(key) ?? byShortName.get(key);
    if (weight === undefined && required) builder.fail(`weight '${key}' is not in the weightsManifest`);
    // Keras layer weights are floating point. Integer bytes read as numbers would give wrong results silently.
    if (weight !== undefined && weight.dtype !== 'float32') {
      builder.fail(`weight '${weight.name}' has dtype ${weight.dtype}, but a Keras layer weight is float32 (or quantized float32); fix its dtype in the weightsManifest`);
    }
    return weight;
  };
}
