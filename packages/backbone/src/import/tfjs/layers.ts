import { nchwAxis, permute, samePadding, windowOutputSize } from '../tflite/layout';
import type { Activation, NhwcGraphBuilder } from '../tflite/nhwc-builder';
import type { TfjsWeight } from './weights';

/** A Keras layer entry of a layers-model topology. */
export interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown;
}

/** The weights of one layer, looked up by parameter name (`kernel`, `bias`, `gamma`, ...). */
export type LayerWeights = (parameter: string, required: boolean) => TfjsWeight | undefined;

/** Keras activation names and their IR form. */
const KERAS_ACTIVATIONS: Record<string, Activation> = {
  linear: 'none',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  hard_swish: 'hard_swish',
};

/**
 * Converts one call of a Keras layer (channels_last) into IR nodes and returns
 * its output value; `inputs` are IR values with NHWC source shapes.
 */
export function convertLayer(builder: NhwcGraphBuilder, layer: KerasLayer, inputs: string[], weights: LayerWeights): string {
  const name = layer.name ?? String(layer.config.name ?? layer.class_name);
  const config = layer.config;
  const dataFormat = config.data_format;
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== 'channels_last') {
    builder.fail(`layer '${name}' uses data_format ${String(dataFormat)}; only channels_last is supported`);
  }
  const single = (): string => {
    if (inputs.length !== 1) builder.fail(`layer '${name}' (${layer.class_name}) expects one input, got ${inputs.length}`);
    return inputs[0]!;
  };

  switch (layer.class_name) {
    case 'Conv2D':
      return convertConv2D(builder, name, config, single(), weights);
    case 'DepthwiseConv2D':
      return convertDepthwise(builder, name, config, single(), weights);
    case 'SeparableConv2D':
      return convertSeparable(builder, name, config, single(), weights);
    case 'BatchNormalization':
      return convertBatchNorm(builder, name, config, single(), weights);
    case 'Activation':
      return builder.activation(single(), kerasActivation(builder, name, config.activation), name);
    case 'ReLU':
      return convertRelu(builder, name, config, single());
    case 'ZeroPadding2D':
      return convertZeroPadding(builder, name, config, single());
    case 'MaxPooling2D':
      return convertPool(builder, name, config, single(), 'MaxPool');
    case 'AveragePooling2D':
      return convertPool(builder, name, config, single(), 'AveragePool');
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return convertGlobalPool(builder, name, config, single(), layer.class_name === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool');
    case 'Add':
      return convertAdd(builder, name, inputs);
    case 'Concatenate':
      return convertConcatenate(builder, name, config, inputs);
    case 'Reshape': {
      const input = single();
      const target = numberList(builder, name, config.target_shape, 'target_shape');
      const count = builder.shape(input).slice(1).reduce((a, b) => a * b, 1);
      return builder.reshape(input, [builder.shape(input)[0]!, ...resolveTarget(builder, name, target, count)], name);
    }
    case 'Flatten': {
      const input = single();
      const shape = builder.shape(input);
      return builder.reshape(input, [shape[0]!, shape.slice(1).reduce((a, b) => a * b, 1)], name);
    }
    case 'Dropout':
    case 'SpatialDropout2D':
      // Inference ignores dropout.
      return single();
    case 'Dense':
      return convertDense(builder, name, config, single(), weights);
    default:
      return builder.fail(
        `layer '${name}' has class ${layer.class_name}, which the TF.js layers importer does not support; supported: InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNormalization, Activation, ReLU, ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Add, Concatenate, Reshape, Flatten, Dropout, Dense`,
      );
  }
}

function kerasActivation(builder: NhwcGraphBuilder, layer: string, value: unknown): Activation {
  const activation = KERAS_ACTIVATIONS[String(value ?? 'linear')];
  if (activation === undefined) builder.fail(`layer '${layer}' uses activation '${String(value)}'; supported: ${Object.keys(KERAS_ACTIVATIONS).join(', ')}`);
  return activation;
}

function numberList(builder: NhwcGraphBuilder, layer: string, value: unknown, field: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) builder.fail(`layer '${layer}' has invalid ${field} ${JSON.stringify(value)}`);
  return value as number[];
}

/** Reads a Keras size argument given as one integer or a pair. */
function pair(builder: NhwcGraphBuilder, layer: string, value: unknown, field: string, fallback: [number, number]): [number, number] {
  if (value === undefined || value === null) return fallback;
  const list = typeof value === 'number' ? [value, value] : numberList(builder, layer, value, field);
  if (list.length !== 2 || list.some((v) => v < 1 || v > 1 << 16)) builder.fail(`layer '${layer}' has invalid ${field} ${JSON.stringify(value)}`);
  return list as [number, number];
}

/** Reads a positive integer setting such as `filters` or `depth_multiplier`, returning `fallback` when absent. */
function positiveInt(builder: NhwcGraphBuilder, layer: string, value: unknown, field: string, fallback?: number): number {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1 << 24) builder.fail(`layer '${layer}' has invalid ${field} ${JSON.stringify(value)}`);
  return value;
}

function resolveTarget(builder: NhwcGraphBuilder, layer: string, target: number[], count: number): number[] {
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const inferred = target.filter((d) => d === -1).length;
  if (inferred > 1 || target.some((d) => d < -1) || known === 0 || (inferred === 0 ? known !== count : count % known !== 0)) {
    builder.fail(`layer '${layer}' cannot reshape ${count} elements per example to [${target.join(', ')}]`);
  }
  return target.map((d) => (d === -1 ? count / known : d));
}

function rank4(builder: NhwcGraphBuilder, layer: string, input: string): [number, number, number, number] {
  const shape = builder.shape(input);
  if (shape.length !== 4) builder.fail(`layer '${layer}' expects a rank-4 NHWC input, got shape [${shape.join(', ')}]`);
  return shape as [number, number, number, number];
}

interface WindowResult {
  attributes: { kernel_shape: number[]; strides: number[]; pads: number[] };
  outH: number;
  outW: number;
}

/** Keras `same` pads the odd row or column at the bottom or right, exactly as TensorFlow does. */
function kerasWindow(builder: NhwcGraphBuilder, layer: string, shape: number[], kernel: [number, number], strides: [number, number], dilation: [number, number], padding: unknown): WindowResult {
  if (padding !== 'same' && padding !== 'valid') builder.fail(`layer '${layer}' has padding '${String(padding)}'; supported: same, valid`);
  const [, h, w] = shape as [number, number, number];
  const [top, bottom] = padding === 'same' ? samePadding(h, kernel[0], strides[0], dilation[0]) : [0, 0];
  const [left, right] = padding === 'same' ? samePadding(w, kernel[1], strides[1], dilation[1]) : [0, 0];
  const outH = windowOutputSize(h, kernel[0], strides[0], dilation[0], top, bottom);
  const outW = windowOutputSize(w, kernel[1], strides[1], dilation[1], left, right);
  if (outH < 1 || outW < 1) builder.fail(`layer '${layer}'s window is larger than its ${h}×${w} input`);
  return { attributes: { kernel_shape: kernel, strides, pads: [top, left, bottom, right] }, outH, outW };
}

function weightWithShape(builder: NhwcGraphBuilder, layer: string, weight: TfjsWeight | undefined, expected: number[]): TfjsWeight {
  if (weight === undefined || weight.shape.length !== expected.length || weight.shape.some((d, i) => expected[i]! >= 0 && d !== expected[i])) {
    builder.fail(`layer '${layer}': weight ${weight?.name ?? '(missing)'} has shape [${weight?.shape.join(', ') ?? ''}], expected [${expected.map((d) => (d < 0 ? '?' : d)).join(', ')}]`);
  }
  return weight;
}

function convertConv2D(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, weights: LayerWeights): string {
  const shape = rank4(builder, layer, input);
  const kernelSize = pair(builder, layer, config.kernel_size, 'kernel_size', [1, 1]);
  const groups = positiveInt(builder, layer, config.groups, 'groups', 1);
  const filters = positiveInt(builder, layer, config.filters, 'filters');
  if (groups < 1 || shape[3] % groups !== 0) builder.fail(`layer '${layer}' has groups ${groups} for ${shape[3]} input channels`);

  // Keras kernels are HWIO; ONNX wants OIHW.
  const kernel = weightWithShape(builder, layer, weights('kernel', true), [kernelSize[0], kernelSize[1], shape[3] / groups, filters]);
  const weightName = builder.constant(`${layer}/kernel`, [filters, shape[3] / groups, ...kernelSize], permute(kernel.data, kernel.shape, [3, 2, 0, 1]));

  const strides = pair(builder, layer, config.strides, 'strides', [1, 1]);
  const dilation = pair(builder, layer, config.dilation_rate, 'dilation_rate', [1, 1]);
  const window = kerasWindow(builder, layer, shape, kernelSize, strides, dilation, config.padding ?? 'valid');
  const inputs = [input, weightName];
  if (config.use_bias !== false) inputs.push(biasConstant(builder, layer, weights('bias', true), filters));

  return builder.nodeWithActivation('Conv', inputs, { ...window.attributes, dilations: dilation, group: groups }, layer, [shape[0], window.outH, window.outW, filters], kerasActivation(builder, layer, config.activation));
}

function biasConstant(builder: NhwcGraphBuilder, layer: string, weight: TfjsWeight | undefined, channels: number): string {
  const bias = weightWithShape(builder, layer, weight, [channels]);
  return builder.constant(`${layer}/bias`, [channels], bias.data);
}

/** Adds a depthwise convolution: Keras [kh, kw, C, M] kernels become ONNX [C × M, 1, kh, kw] with group = C. */
function depthwiseNode(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, kernel: TfjsWeight, bias: string | undefined, outputBase: string, activation: Activation): string {
  const shape = rank4(builder, layer, input);
  const kernelSize = pair(builder, layer, config.kernel_size, 'kernel_size', [1, 1]);
  // TF.js 4.22 leaves depth_multiplier out of a saved SeparableConv2D config, so the kernel's last dimension is the fallback.
  const multiplier = positiveInt(builder, layer, config.depth_multiplier, 'depth_multiplier', kernel.shape[3] ?? 1);
  weightWithShape(builder, layer, kernel, [kernelSize[0], kernelSize[1], shape[3], multiplier]);
  const channels = shape[3] * multiplier;
  const weightName = builder.constant(`${layer}/depthwise_kernel`, [channels, 1, ...kernelSize], permute(kernel.data, kernel.shape, [2, 3, 0, 1]));

  const strides = pair(builder, layer, config.strides, 'strides', [1, 1]);
  const dilation = pair(builder, layer, config.dilation_rate, 'dilation_rate', [1, 1]);
  const window = kerasWindow(builder, layer, shape, kernelSize, strides, dilation, config.padding ?? 'valid');
  const inputs = bias === undefined ? [input, weightName] : [input, weightName, bias];
  return builder.nodeWithActivation('Conv', inputs, { ...window.attributes, dilations: dilation, group: shape[3] }, outputBase, [shape[0], window.outH, window.outW, channels], activation);
}

function convertDepthwise(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, weights: LayerWeights): string {
  const kernel = weights('depthwise_kernel', true)!;
  const channels = rank4(builder, layer, input)[3] * positiveInt(builder, layer, config.depth_multiplier, 'depth_multiplier', kernel.shape[3] ?? 1);
  const bias = config.use_bias === false ? undefined : biasConstant(builder, layer, weights('bias', true), channels);
  return depthwiseNode(builder, layer, config, input, kernel, bias, layer, kerasActivation(builder, layer, config.activation));
}

function convertSeparable(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, weights: LayerWeights): string {
  const depthwise = depthwiseNode(builder, layer, config, input, weights('depthwise_kernel', true)!, undefined, `${layer}/depthwise`, 'none');
  const shape = builder.shape(depthwise);
  const filters = positiveInt(builder, layer, config.filters, 'filters');

  // The pointwise kernel is [1, 1, C × M, filters] (HWIO).
  const pointwise = weightWithShape(builder, layer, weights('pointwise_kernel', true), [1, 1, shape[3]!, filters]);
  const weightName = builder.constant(`${layer}/pointwise_kernel`, [filters, shape[3]!, 1, 1], permute(pointwise.data, pointwise.shape, [3, 2, 0, 1]));
  const inputs = [depthwise, weightName];
  if (config.use_bias !== false) inputs.push(biasConstant(builder, layer, weights('bias', true), filters));
  const attributes = { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
  return builder.nodeWithActivation('Conv', inputs, attributes, layer, [shape[0]!, shape[1]!, shape[2]!, filters], kerasActivation(builder, layer, config.activation));
}

function convertBatchNorm(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, weights: LayerWeights): string {
  const shape = builder.shape(input);
  const axis = Array.isArray(config.axis) ? config.axis[0] : (config.axis ?? -1);
  if (axis !== -1 && axis !== shape.length - 1) builder.fail(`layer '${layer}' normalizes axis ${JSON.stringify(config.axis)}; only the channel (last) axis is supported`);
  const channels = shape[shape.length - 1]!;

  // center = false drops beta (zeros) and scale = false drops gamma (ones).
  const parameter = (key: string, present: boolean, fill: number): string => {
    const data = present ? weightWithShape(builder, layer, weights(key, true), [channels]).data : new Float32Array(channels).fill(fill);
    return builder.constant(`${layer}/${key}`, [channels], data);
  };
  const inputs = [input, parameter('gamma', config.scale !== false, 1), parameter('beta', config.center !== false, 0), parameter('moving_mean', true, 0), parameter('moving_variance', true, 1)];
  return builder.node('BatchNormalization', inputs, { epsilon: typeof config.epsilon === 'number' ? config.epsilon : 1e-3 }, layer, shape);
}

function convertRelu(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string): string {
  const maxValue = config.max_value;
  const slope = typeof config.negative_slope === 'number' ? config.negative_slope : 0;
  const threshold = typeof config.threshold === 'number' ? config.threshold : 0;
  if (threshold !== 0) builder.fail(`layer '${layer}' is a ReLU with threshold ${threshold}; only threshold 0 is supported`);
  const shape = builder.shape(input);
  if (slope !== 0) {
    if (maxValue !== undefined && maxValue !== null) builder.fail(`layer '${layer}' is a ReLU with both negative_slope and max_value; that combination is not supported`);
    return builder.node('LeakyRelu', [input], { alpha: slope }, layer, shape);
  }
  if (maxValue === undefined || maxValue === null) return builder.node('Relu', [input], {}, layer, shape);
  if (typeof maxValue !== 'number') builder.fail(`layer '${layer}' has invalid max_value ${JSON.stringify(maxValue)}`);
  return builder.node('Clip', [input], { min: 0, max: maxValue }, layer, shape);
}

function convertZeroPadding(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string): string {
  const shape = rank4(builder, layer, input);
  const padding = config.padding ?? 1;

  // Keras accepts p, [ph, pw] or [[top, bottom], [left, right]].
  let pads: [number, number, number, number];
  if (typeof padding === 'number') pads = [padding, padding, padding, padding];
  else if (Array.isArray(padding) && padding.length === 2 && padding.every((p) => typeof p === 'number')) pads = [padding[0], padding[0], padding[1], padding[1]];
  else if (Array.isArray(padding) && padding.length === 2 && padding.every((p) => Array.isArray(p) && p.length === 2)) pads = [...padding[0], ...padding[1]] as [number, number, number, number];
  else return builder.fail(`layer '${layer}' has invalid padding ${JSON.stringify(padding)}`);
  if (pads.some((p) => !Number.isInteger(p) || p < 0 || p > 1 << 16)) builder.fail(`layer '${layer}' has invalid padding ${JSON.stringify(padding)}`);

  const [top, bottom, left, right] = pads;
  return builder.node('Pad', [input], { mode: 'constant', pads: [0, 0, top, left, 0, 0, bottom, right], value: 0 }, layer, [shape[0], shape[1] + top + bottom, shape[2] + left + right, shape[3]]);
}

function convertPool(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, opType: 'MaxPool' | 'AveragePool'): string {
  const shape = rank4(builder, layer, input);
  const poolSize = pair(builder, layer, config.pool_size, 'pool_size', [2, 2]);
  const strides = pair(builder, layer, config.strides, 'strides', poolSize);
  const window = kerasWindow(builder, layer, shape, poolSize, strides, [1, 1], config.padding ?? 'valid');

  // A window covering the whole input is a global pool, which the runner reduces in one pass.
  if (window.outH === 1 && window.outW === 1 && poolSize[0] === shape[1] && poolSize[1] === shape[2]) {
    return builder.node(opType === 'AveragePool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [input], {}, layer, [shape[0], 1, 1, shape[3]]);
  }
  // Keras average pooling divides by the number of non-padding elements.
  const extra: Record<string, number> = opType === 'AveragePool' ? { count_include_pad: 0 } : {};
  return builder.node(opType, [input], { ...window.attributes, ...extra }, layer, [shape[0], window.outH, window.outW, shape[3]]);
}

function convertGlobalPool(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, opType: 'GlobalAveragePool' | 'GlobalMaxPool'): string {
  const shape = rank4(builder, layer, input);
  const keepDims = config.keepdims === true;
  const pooled = builder.node(opType, [input], {}, keepDims ? layer : `${layer}/pool`, [shape[0], 1, 1, shape[3]]);
  return keepDims ? pooled : builder.reshape(pooled, [shape[0], shape[3]], layer);
}

function convertAdd(builder: NhwcGraphBuilder, layer: string, inputs: string[]): string {
  if (inputs.length < 2) builder.fail(`layer '${layer}' (Add) needs at least two inputs, got ${inputs.length}`);
  const shape = builder.shape(inputs[0]!);
  for (const other of inputs) {
    if (builder.shape(other).join() !== shape.join()) builder.fail(`layer '${layer}' adds shapes [${shape.join(', ')}] and [${builder.shape(other).join(', ')}]`);
  }
  let sum = inputs[0]!;
  for (let i = 1; i < inputs.length; i++) sum = builder.node('Add', [sum, inputs[i]!], {}, i === inputs.length - 1 ? layer : `${layer}/partial`, shape);
  return sum;
}

function convertConcatenate(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, inputs: string[]): string {
  if (inputs.length === 0) builder.fail(`layer '${layer}' (Concatenate) has no inputs`);
  const shapes = inputs.map((value) => builder.shape(value));
  const rank = shapes[0]!.length;
  const rawAxis = typeof config.axis === 'number' ? config.axis : -1;
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (axis <= 0 || axis >= rank || shapes.some((s) => s.length !== rank)) builder.fail(`layer '${layer}' concatenates along axis ${rawAxis} inputs of rank ${rank}`);
  const outShape = [...shapes[0]!];
  outShape[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  return builder.node('Concat', inputs, { axis: nchwAxis(axis, rank) }, layer, outShape);
}

function convertDense(builder: NhwcGraphBuilder, layer: string, config: Record<string, unknown>, input: string, weights: LayerWeights): string {
  const shape = builder.shape(input);
  const units = positiveInt(builder, layer, config.units, 'units');
  if (shape.length !== 2) builder.fail(`layer '${layer}' (Dense) gets an input of shape [${shape.join(', ')}]; only rank-2 inputs are supported, add a Flatten before it`);

  // Keras kernels are [in, out]; the Gemm takes them as [out, in] with transB.
  const kernel = weightWithShape(builder, layer, weights('kernel', true), [shape[1]!, units]);
  const inputs = [input, builder.constant(`${layer}/kernel`, [units, shape[1]!], permute(kernel.data, kernel.shape, [1, 0]))];
  if (config.use_bias !== false) inputs.push(biasConstant(builder, layer, weights('bias', true), units));
  return builder.nodeWithActivation('Gemm', inputs, { transB: 1 }, layer, [shape[0]!, units], kerasActivation(builder, layer, config.activation));
}
