import { nchwAxis, permute, samePadding, windowOutputSize } from '../tflite/layout';
import type { Activation, NhwcGraphBuilder } from '../tflite/nhwc-builder';
import { GraphAttributes, type GraphDefNode } from './graph-attributes';
import type { TfjsWeight } from './weights';

export type { GraphDefNode } from './graph-attributes';

export interface GraphContext {
  builder: NhwcGraphBuilder;
  weights: Map<string, TfjsWeight>;
  /** IR values of computed nodes, by GraphDef node name. */
  values: Map<string, string>;
  /** Constant values of Const nodes (and aliases of them), by GraphDef node name. */
  constants: Map<string, TfjsWeight>;
  /** IR names of Placeholder inputs. */
  inputs: string[];
}

/** Parses an input reference (`name`, `name:1` or the control dependency `^name`) into its producing node. */
export function producerOf(reference: string): { name: string; output: number; control: boolean } {
  const control = reference.startsWith('^');
  const body = control ? reference.slice(1) : reference;
  const match = /^(.*):(\d+)$/.exec(body);
  return match ? { name: match[1]!, output: Number(match[2]), control } : { name: body, output: 0, control };
}

/** TensorFlow activation op names and their IR form, for standalone ops and `fused_ops`. */
const TF_ACTIVATIONS: Record<string, Activation> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh' };

const BINARY_OPS: Record<string, string> = { Add: 'Add', AddV2: 'Add', BiasAdd: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div' };

/** Converts one GraphDef node, in topological order. */
export function convertGraphNode(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  switch (node.op) {
    case 'Const': {
      const weight = context.weights.get(node.name);
      if (weight === undefined) return builder.fail(`Const node '${node.name}' has no entry in the weightsManifest; inline constants are not supported`);
      context.constants.set(node.name, weight);
      return;
    }
    case 'Placeholder':
      return convertPlaceholder(context, node);
    case 'Identity':
    case 'StopGradient':
    case 'Snapshot': {
      const source = producerOf(node.input[0] ?? '').name;
      const constant = context.constants.get(source);
      if (constant !== undefined) context.constants.set(node.name, constant);
      else context.values.set(node.name, activation(context, node, 0));
      return;
    }
    case 'NoOp':
      return;
    case 'Conv2D':
    case '_FusedConv2D':
      return convertConv(context, node, false);
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative':
      return convertConv(context, node, true);
    case 'MatMul':
    case '_FusedMatMul':
      return convertMatMul(context, node);
    case 'Relu':
    case 'Relu6':
    case 'Sigmoid':
    case 'Tanh':
      context.values.set(node.name, builder.activation(activation(context, node, 0), TF_ACTIVATIONS[node.op]!, node.name));
      return;
    case 'Softmax': {
      const input = activation(context, node, 0);
      const rank = builder.shape(input).length;
      context.values.set(node.name, builder.node('Softmax', [input], { axis: nchwAxis(rank - 1, rank) }, node.name, builder.shape(input)));
      return;
    }
    case 'AvgPool':
    case 'MaxPool':
      return convertPool(context, node);
    case 'Mean':
      return convertMean(context, node);
    case 'Reshape':
      return convertReshape(context, node);
    case 'Squeeze':
      return convertSqueeze(context, node);
    case 'ConcatV2':
      return convertConcat(context, node);
    case 'Pad':
    case 'PadV2':
      return convertPad(context, node);
    case 'FusedBatchNorm':
    case 'FusedBatchNormV3':
      return convertBatchNorm(context, node);
    default:
      if (BINARY_OPS[node.op] !== undefined) return convertBinary(context, node, BINARY_OPS[node.op]!);
      builder.fail(
        `node '${node.name}' has op ${node.op}, which the TF.js graph importer does not support; supported: Const, Placeholder, Identity, Conv2D, _FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2dNative, MatMul, _FusedMatMul, BiasAdd, Add, AddV2, Sub, Mul, RealDiv, Relu, Relu6, Sigmoid, Tanh, Softmax, AvgPool, MaxPool, Mean, Reshape, Squeeze, ConcatV2, Pad, PadV2, FusedBatchNorm(V3)`,
      );
  }
}

function activation(context: GraphContext, node: GraphDefNode, index: number): string {
  const reference = node.input[index];
  if (reference === undefined) context.builder.fail(`node '${node.name}' (${node.op}) is missing input ${index}`);
  const producer = producerOf(reference);
  const value = context.values.get(producer.name);
  if (value === undefined || producer.output !== 0 || producer.control) {
    context.builder.fail(`node '${node.name}' (${node.op}) input ${index} '${reference}' is not a computed value this importer supports`);
  }
  return value;
}

function constant(context: GraphContext, node: GraphDefNode, index: number, what: string): TfjsWeight {
  const reference = node.input[index];
  const weight = reference === undefined ? undefined : context.constants.get(producerOf(reference).name);
  if (weight === undefined) context.builder.fail(`node '${node.name}' (${node.op}) needs a constant ${what} as input ${index}`);
  return weight;
}

function isConstantInput(context: GraphContext, node: GraphDefNode, index: number): boolean {
  const reference = node.input[index];
  return reference !== undefined && context.constants.has(producerOf(reference).name);
}

function attrs(context: GraphContext, node: GraphDefNode): GraphAttributes {
  return new GraphAttributes(context.builder, node);
}

function checkNhwc(context: GraphContext, node: GraphDefNode): void {
  const format = attrs(context, node).string('data_format') ?? 'NHWC';
  if (format !== 'NHWC') context.builder.fail(`node '${node.name}' (${node.op}) uses data_format ${format}; only NHWC is supported`);
}

function rank4(context: GraphContext, node: GraphDefNode, value: string): [number, number, number, number] {
  const shape = context.builder.shape(value);
  if (shape.length !== 4) context.builder.fail(`node '${node.name}' (${node.op}) expects a rank-4 NHWC input, got [${shape.join(', ')}]`);
  return shape as [number, number, number, number];
}

function convertPlaceholder(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const dims = attrs(context, node).shape('shape');
  if (dims.length !== 4 || dims[3] !== 3 || !(dims[1]! > 0) || !(dims[2]! > 0) || dims.some((d) => !Number.isInteger(d) || d > 1 << 16)) {
    builder.fail(`Placeholder '${node.name}' has shape [${dims.join(', ')}]; expected an NHWC RGB image [-1, H, W, 3]`);
  }
  const name = builder.uniqueName(node.name);
  builder.setShape(name, [dims[0]! > 0 ? dims[0]! : -1, dims[1]!, dims[2]!, 3]);
  context.values.set(node.name, name);
  context.inputs.push(name);
}

/** Strides or ksize given as [1, h, w, 1]. */
function spatialPair(context: GraphContext, node: GraphDefNode, key: string, fallback: number): [number, number] {
  const values = attrs(context, node).ints(key);
  if (values.length === 0) return [fallback, fallback];
  if (values.length !== 4 || values[0] !== 1 || values[3] !== 1 || values.some((v) => !Number.isInteger(v) || v < 1 || v > 1 << 16)) {
    context.builder.fail(`node '${node.name}' (${node.op}) has ${key} [${values.join(', ')}]; expected [1, h, w, 1]`);
  }
  return [values[1]!, values[2]!];
}

/** ONNX pads [top, left, bottom, right] and output size for TensorFlow SAME, VALID or EXPLICIT padding. */
function windowGeometry(context: GraphContext, node: GraphDefNode, shape: number[], kernel: [number, number], strides: [number, number], dilations: [number, number]): { pads: number[]; outH: number; outW: number } {
  const padding = attrs(context, node).string('padding') ?? 'VALID';
  const [, h, w] = shape as [number, number, number];
  let pads: number[];
  if (padding === 'SAME') {
    const [top, bottom] = samePadding(h, kernel[0], strides[0], dilations[0]);
    const [left, right] = samePadding(w, kernel[1], strides[1], dilations[1]);
    pads = [top, left, bottom, right];
  } else if (padding === 'VALID') {
    pads = [0, 0, 0, 0];
  } else if (padding === 'EXPLICIT') {
    const explicit = attrs(context, node).ints('explicit_paddings');
    if (explicit.length !== 8 || explicit.some((p) => !Number.isInteger(p) || p < 0 || p > 1 << 16)) context.builder.fail(`node '${node.name}' has invalid explicit_paddings [${explicit.join(', ')}]`);
    pads = [explicit[2]!, explicit[4]!, explicit[3]!, explicit[5]!];
  } else {
    return context.builder.fail(`node '${node.name}' (${node.op}) has padding '${padding}'; supported: SAME, VALID, EXPLICIT`);
  }
  const outH = windowOutputSize(h, kernel[0], strides[0], dilations[0], pads[0]!, pads[2]!);
  const outW = windowOutputSize(w, kernel[1], strides[1], dilations[1], pads[1]!, pads[3]!);
  if (outH < 1 || outW < 1) context.builder.fail(`node '${node.name}' (${node.op}) has a window larger than its ${h}×${w} input`);
  return { pads, outH, outW };
}

/**
 * Reads `fused_ops` [BiasAdd, activation?] of a fused conv or matmul and returns
 * whether a bias input follows and which activation comes after it.
 */
function fusedOps(context: GraphContext, node: GraphDefNode): { bias: boolean; activation: Activation } {
  const ops = attrs(context, node).strings('fused_ops');
  if (ops.length === 0) return { bias: false, activation: 'none' };
  const activationOp = ops[1];
  const fused = activationOp === undefined ? 'none' : TF_ACTIVATIONS[activationOp];
  if (ops[0] !== 'BiasAdd' || ops.length > 2 || fused === undefined) {
    context.builder.fail(`node '${node.name}' (${node.op}) fuses [${ops.join(', ')}]; supported: BiasAdd followed by an optional Relu, Relu6, Sigmoid or Tanh`);
  }
  return { bias: true, activation: fused };
}

function convertConv(context: GraphContext, node: GraphDefNode, depthwise: boolean): void {
  const { builder } = context;
  checkNhwc(context, node);
  const input = activation(context, node, 0);
  const shape = rank4(context, node, input);
  const filter = constant(context, node, 1, 'filter');
  if (filter.shape.length !== 4) builder.fail(`node '${node.name}' has a filter of shape [${filter.shape.join(', ')}]; expected rank 4`);

  // Conv2D filters are HWIO; depthwise filters are [kh, kw, C, multiplier]. Both become OIHW.
  const [kh, kw, fi, fo] = filter.shape as [number, number, number, number];
  const groups = depthwise ? shape[3] : shape[3] / fi;
  if (!Number.isInteger(groups) || (depthwise && fi !== shape[3])) builder.fail(`node '${node.name}' has filter [${filter.shape.join(', ')}] for an input with ${shape[3]} channels`);
  const outChannels = depthwise ? fi * fo : fo;
  const weights = permute(filter.data, filter.shape, depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
  const weightName = builder.constant(filter.name, [outChannels, depthwise ? 1 : fi, kh, kw], weights);

  const strides = spatialPair(context, node, 'strides', 1);
  const dilations = spatialPair(context, node, 'dilations', 1);
  const { pads, outH, outW } = windowGeometry(context, node, shape, [kh, kw], strides, dilations);
  const fused = fusedOps(context, node);
  const inputs = [input, weightName];
  if (fused.bias) inputs.push(biasInput(context, node, 2, outChannels));

  const attributes = { kernel_shape: [kh, kw], strides, dilations, pads, group: groups };
  context.values.set(node.name, builder.nodeWithActivation('Conv', inputs, attributes, node.name, [shape[0], outH, outW, outChannels], fused.activation));
}

function biasInput(context: GraphContext, node: GraphDefNode, index: number, channels: number): string {
  const bias = constant(context, node, index, 'bias');
  if (bias.data.length !== channels) context.builder.fail(`node '${node.name}' has a bias of ${bias.data.length} values for ${channels} channels`);
  return context.builder.constant(bias.name, [channels], bias.data);
}

function convertMatMul(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const input = activation(context, node, 0);
  const shape = builder.shape(input);
  const weight = constant(context, node, 1, 'weight matrix');
  if (attrs(context, node).bool('transpose_a')) builder.fail(`node '${node.name}' (${node.op}) sets transpose_a, which is not supported`);
  if (shape.length !== 2 || weight.shape.length !== 2) builder.fail(`node '${node.name}' multiplies [${shape.join(', ')}] by [${weight.shape.join(', ')}]; expected two matrices`);

  // The Gemm takes B as [out, in] with transB; TensorFlow stores [in, out] unless transpose_b is set.
  const transposed = attrs(context, node).bool('transpose_b');
  const [inFeatures, outFeatures] = transposed ? [weight.shape[1]!, weight.shape[0]!] : [weight.shape[0]!, weight.shape[1]!];
  if (inFeatures !== shape[1]) builder.fail(`node '${node.name}' multiplies [${shape.join(', ')}] by [${weight.shape.join(', ')}]; inner dimensions differ`);
  const data = transposed ? weight.data : permute(weight.data, weight.shape, [1, 0]);
  const inputs = [input, builder.constant(weight.name, [outFeatures, inFeatures], data)];
  const fused = fusedOps(context, node);
  if (fused.bias) inputs.push(biasInput(context, node, 2, outFeatures));
  context.values.set(node.name, builder.nodeWithActivation('Gemm', inputs, { transB: 1 }, node.name, [shape[0]!, outFeatures], fused.activation));
}

function convertPool(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  checkNhwc(context, node);
  const input = activation(context, node, 0);
  const shape = rank4(context, node, input);
  const kernel = spatialPair(context, node, 'ksize', 1);
  const strides = spatialPair(context, node, 'strides', 1);
  const { pads, outH, outW } = windowGeometry(context, node, shape, kernel, strides, [1, 1]);
  const average = node.op === 'AvgPool';

  // A window covering the whole input is a global pool, which the runner reduces in one pass.
  if (outH === 1 && outW === 1 && kernel[0] === shape[1] && kernel[1] === shape[2]) {
    context.values.set(node.name, builder.node(average ? 'GlobalAveragePool' : 'GlobalMaxPool', [input], {}, node.name, [shape[0], 1, 1, shape[3]]));
    return;
  }
  // TensorFlow's average pool divides by the number of non-padding elements.
  const attributes: Record<string, number[] | number> = { kernel_shape: kernel, strides, pads };
  if (average) attributes.count_include_pad = 0;
  context.values.set(node.name, builder.node(average ? 'AveragePool' : 'MaxPool', [input], attributes, node.name, [shape[0], outH, outW, shape[3]]));
}

function convertMean(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const input = activation(context, node, 0);
  const shape = builder.shape(input);
  const axes = Array.from(constant(context, node, 1, 'axes').data, (a) => (a < 0 ? a + shape.length : a));
  if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= shape.length)) builder.fail(`node '${node.name}' (Mean) has axes [${axes.join(', ')}] outside rank ${shape.length}`);
  const keepDims = attrs(context, node).bool('keep_dims');
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));

  // The spatial mean of an NHWC tensor is a global average pool.
  const spatial = shape.length === 4 && axes.length === 2 && axes.includes(1) && axes.includes(2);
  const base = keepDims ? node.name : `${node.name}/keepdims`;
  let output = spatial
    ? builder.node('GlobalAveragePool', [input], {}, base, kept)
    : builder.node('ReduceMean', [input], { axes: axes.map((a) => nchwAxis(a, shape.length)), keepdims: 1 }, base, kept);
  if (!keepDims) output = builder.reshape(output, shape.filter((_, i) => !axes.includes(i)), node.name);
  context.values.set(node.name, output);
}

function convertReshape(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const input = activation(context, node, 0);
  const shape = builder.shape(input);
  const requested = Array.from(constant(context, node, 1, 'shape').data);
  const perExample = shape.slice(1).reduce((a, b) => a * b, 1);

  // The leading dimension is the batch: -1 or the input's own batch size.
  if (requested.length === 0 || (requested[0] !== -1 && requested[0] !== shape[0])) {
    builder.fail(`node '${node.name}' reshapes [${shape.join(', ')}] to [${requested.join(', ')}]; only reshapes that keep the batch dimension are supported`);
  }
  const rest = requested.slice(1);
  const known = rest.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const inferred = rest.filter((d) => d === -1).length;
  if (inferred > 1 || rest.some((d) => d < -1 || !Number.isInteger(d)) || known === 0 || (inferred === 0 ? known !== perExample : perExample % known !== 0)) {
    builder.fail(`node '${node.name}' cannot reshape [${shape.join(', ')}] to [${requested.join(', ')}]`);
  }
  const target = [shape[0]!, ...rest.map((d) => (d === -1 ? perExample / known : d))];
  context.values.set(node.name, builder.reshape(input, target, node.name));
}

function convertSqueeze(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const input = activation(context, node, 0);
  const shape = builder.shape(input);
  const dims = attrs(context, node).ints('squeeze_dims').map((a) => (a < 0 ? a + shape.length : a));
  if (dims.some((a) => a < 0 || a >= shape.length || shape[a] !== 1)) builder.fail(`node '${node.name}' squeezes axes [${dims.join(', ')}] of [${shape.join(', ')}], which are not all 1`);
  const target = shape.filter((d, i) => (dims.length === 0 ? d !== 1 : !dims.includes(i)));
  context.values.set(node.name, builder.reshape(input, target, node.name));
}

function convertConcat(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const count = node.input.filter((reference) => !reference.startsWith('^')).length - 1;
  if (count < 1) builder.fail(`node '${node.name}' (ConcatV2) has no inputs to concatenate`);
  const inputs = Array.from({ length: count }, (_, i) => activation(context, node, i));
  const shapes = inputs.map((value) => builder.shape(value));
  const rank = shapes[0]!.length;
  const rawAxis = constant(context, node, count, 'axis').data[0] ?? 0;
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (!Number.isInteger(axis) || axis <= 0 || axis >= rank || shapes.some((s) => s.length !== rank)) builder.fail(`node '${node.name}' concatenates along axis ${rawAxis} inputs of rank ${rank}`);
  const outShape = [...shapes[0]!];
  outShape[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  context.values.set(node.name, builder.node('Concat', inputs, { axis: nchwAxis(axis, rank) }, node.name, outShape));
}

function convertPad(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  const input = activation(context, node, 0);
  const shape = builder.shape(input);
  const paddings = constant(context, node, 1, 'paddings').data;
  const value = node.op === 'PadV2' ? (constant(context, node, 2, 'constant_values').data[0] ?? 0) : 0;
  if (paddings.length !== 2 * shape.length || paddings.some((p) => !Number.isInteger(p) || p < 0 || p > 1 << 16)) {
    builder.fail(`node '${node.name}' has paddings [${Array.from(paddings).join(', ')}] for an input of rank ${shape.length}`);
  }

  // TensorFlow paddings are [[before, after] per NHWC axis]; ONNX pads are all befores then all afters, in NCHW order.
  const before = new Array<number>(shape.length).fill(0);
  const after = new Array<number>(shape.length).fill(0);
  for (let axis = 0; axis < shape.length; axis++) {
    before[nchwAxis(axis, shape.length)] = paddings[2 * axis]!;
    after[nchwAxis(axis, shape.length)] = paddings[2 * axis + 1]!;
  }
  const outShape = shape.map((d, axis) => (d < 0 ? d : d + paddings[2 * axis]! + paddings[2 * axis + 1]!));
  context.values.set(node.name, builder.node('Pad', [input], { mode: 'constant', pads: [...before, ...after], value }, node.name, outShape));
}

function convertBatchNorm(context: GraphContext, node: GraphDefNode): void {
  const { builder } = context;
  checkNhwc(context, node);
  const input = activation(context, node, 0);
  const shape = builder.shape(input);
  const channels = shape[shape.length - 1]!;
  const parameters = ['scale', 'offset', 'mean', 'variance'].map((what, i) => {
    const weight = constant(context, node, i + 1, what);
    if (weight.data.length !== channels) builder.fail(`node '${node.name}' has a ${what} of ${weight.data.length} values for ${channels} channels`);
    return builder.constant(weight.name, [channels], weight.data);
  });
  const epsilon = attrs(context, node).float('epsilon', 1e-4);
  context.values.set(node.name, builder.node('BatchNormalization', [input, ...parameters], { epsilon }, node.name, shape));
}

function convertBinary(context: GraphContext, node: GraphDefNode, opType: string): void {
  const { builder } = context;
  const constants = [isConstantInput(context, node, 0), isConstantInput(context, node, 1)];
  if (constants[0] && constants[1]) builder.fail(`node '${node.name}' (${node.op}) has two constant inputs; constant folding is not supported`);

  // A constant operand is laid out against the other operand's rank, so per-channel vectors broadcast over C.
  const values = [0, 1].map((i) => {
    if (!constants[i]) return activation(context, node, i);
    const weight = constant(context, node, i, 'operand');
    const otherRank = builder.shape(activation(context, node, 1 - i)).length;
    const name = builder.broadcastConstant(weight.name, weight.data, weight.shape, otherRank);
    builder.setShape(name, weight.shape);
    return name;
  });

  const a = builder.shape(values[0]!);
  const b = builder.shape(values[1]!);
  const rank = Math.max(a.length, b.length);
  const outShape = Array.from({ length: rank }, (_, i) => {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) builder.fail(`node '${node.name}' (${node.op}) cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
    return x === 1 ? y : x;
  });
  context.values.set(node.name, builder.node(opType, values, {}, node.name, outShape));
}
