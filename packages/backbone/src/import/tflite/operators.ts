import type { Table } from './flatbuffer';
import { nchwAxis, permute, samePadding, windowOutputSize } from './layout';
import type { Activation, NhwcGraphBuilder } from './nhwc-builder';
import { BuiltinOperator, type TfliteModel, type TfliteOperator, type TfliteTensor } from './schema';
import { constantValues, isConstant } from './tensor-data';

/** State shared by the operator converters of one TFLite subgraph. */
export interface TfliteContext {
  model: TfliteModel;
  builder: NhwcGraphBuilder;
  /** IR value name of each activation tensor produced so far, by TFLite tensor index. */
  values: Map<number, string>;
  /** Constant tensors that a (DE)QUANTIZE op passes on, such as float16 weights, by output tensor index. */
  constantAliases: Map<number, TfliteTensor>;
}

/** `ActivationFunctionType` in the schema; SIGN_BIT (5) is not supported. */
const FUSED_ACTIVATIONS: Record<number, Activation> = { 0: 'none', 1: 'relu', 2: 'relu_n1_to_1', 3: 'relu6', 4: 'tanh' };

/** `Padding` in the schema. */
const PADDING_SAME = 0;

/** Converts one TFLite operator into IR nodes, recording its output value. */
export function convertOperator(context: TfliteContext, op: TfliteOperator): void {
  switch (op.opcode) {
    case BuiltinOperator.CONV_2D:
      return convertConv(context, op, false);
    case BuiltinOperator.DEPTHWISE_CONV_2D:
      return convertConv(context, op, true);
    case BuiltinOperator.AVERAGE_POOL_2D:
      return convertPool(context, op, 'AveragePool');
    case BuiltinOperator.MAX_POOL_2D:
      return convertPool(context, op, 'MaxPool');
    case BuiltinOperator.FULLY_CONNECTED:
      return convertFullyConnected(context, op);
    case BuiltinOperator.ADD:
      return convertBinary(context, op, 'Add');
    case BuiltinOperator.MUL:
      return convertBinary(context, op, 'Mul');
    case BuiltinOperator.MEAN:
      return convertMean(context, op);
    case BuiltinOperator.RESHAPE:
    case BuiltinOperator.SQUEEZE:
      return convertReshape(context, op);
    case BuiltinOperator.CONCATENATION:
      return convertConcatenation(context, op);
    case BuiltinOperator.SOFTMAX:
      return convertSoftmax(context, op);
    case BuiltinOperator.PAD:
      return convertPad(context, op);
    case BuiltinOperator.RELU:
      return convertActivation(context, op, 'relu');
    case BuiltinOperator.RELU6:
      return convertActivation(context, op, 'relu6');
    case BuiltinOperator.LOGISTIC:
      return convertActivation(context, op, 'sigmoid');
    case BuiltinOperator.HARD_SWISH:
      return convertActivation(context, op, 'hard_swish');
    case BuiltinOperator.QUANTIZE:
    case BuiltinOperator.DEQUANTIZE:
      return convertQuantize(context, op);
    default: {
      const name = op.customCode === undefined ? `builtin operator ${op.opcode}` : `custom operator '${op.customCode}'`;
      context.builder.fail(
        `operator ${op.index} is ${name}, which the TFLite importer does not support; supported: CONV_2D, DEPTHWISE_CONV_2D, ADD, MUL, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN, RESHAPE, SQUEEZE, SOFTMAX, CONCATENATION, FULLY_CONNECTED, PAD, HARD_SWISH, LOGISTIC, RELU, RELU6, QUANTIZE, DEQUANTIZE`,
      );
    }
  }
}

function tensorOf(context: TfliteContext, op: TfliteOperator, input: number): TfliteTensor | undefined {
  const index = op.inputs[input];
  if (index === undefined || index < 0) return undefined;
  return context.constantAliases.get(index) ?? context.model.tensors[index];
}

function outputTensor(context: TfliteContext, op: TfliteOperator): TfliteTensor {
  const index = op.outputs[0];
  if (index === undefined || index < 0) context.builder.fail(`operator ${op.index} has no output`);
  return context.model.tensors[index]!;
}

/** Returns the IR value of an activation input, adding a constant input as an initializer in IR layout. */
function activationInput(context: TfliteContext, op: TfliteOperator, input: number): string {
  const tensor = tensorOf(context, op, input);
  if (tensor === undefined) context.builder.fail(`operator ${op.index} is missing input ${input}`);
  const value = context.values.get(tensor.index);
  if (value !== undefined) return value;
  if (isConstant(context.model, tensor)) {
    const data = constantValues(context.model, tensor, context.builder.file);
    const name = context.builder.broadcastConstant(tensor.name, data, tensor.shape, tensor.shape.length);
    context.builder.setShape(name, tensor.shape);
    context.values.set(tensor.index, name);
    return name;
  }
  context.builder.fail(`operator ${op.index} reads tensor ${tensor.index} '${tensor.name}' before any operator produces it`);
}

function constantInput(context: TfliteContext, op: TfliteOperator, input: number, what: string): { tensor: TfliteTensor; data: Float32Array } {
  const tensor = tensorOf(context, op, input);
  if (tensor === undefined || !isConstant(context.model, tensor)) {
    context.builder.fail(`operator ${op.index}'s ${what} (input ${input}) must be a constant tensor`);
  }
  return { tensor, data: constantValues(context.model, tensor, context.builder.file) };
}

function options(context: TfliteContext, op: TfliteOperator): Table {
  if (op.options === undefined) context.builder.fail(`operator ${op.index} has no builtin options`);
  return op.options;
}

function fusedActivation(context: TfliteContext, op: TfliteOperator, code: number): Activation {
  const activation = FUSED_ACTIVATIONS[code];
  if (activation === undefined) context.builder.fail(`operator ${op.index} has unsupported fused activation ${code}`);
  return activation;
}

/** Records the op's output value and checks the computed NHWC shape against the file's. */
function finish(context: TfliteContext, op: TfliteOperator, value: string): void {
  const tensor = outputTensor(context, op);
  const computed = context.builder.shape(value);
  const declared = tensor.shape;
  const matches = declared.length === 0 || (declared.length === computed.length && declared.every((d, i) => d < 0 || computed[i]! < 0 || d === computed[i]));
  if (!matches) {
    context.builder.fail(`operator ${op.index} produces shape [${computed.join(', ')}], but its output tensor '${tensor.name}' declares [${declared.join(', ')}]`);
  }
  context.values.set(tensor.index, value);
}

function rank4Input(context: TfliteContext, op: TfliteOperator): { value: string; shape: [number, number, number, number] } {
  const value = activationInput(context, op, 0);
  const shape = context.builder.shape(value);
  if (shape.length !== 4) context.builder.fail(`operator ${op.index} expects a rank-4 NHWC input, got shape [${shape.join(', ')}]`);
  return { value, shape: shape as [number, number, number, number] };
}

interface Window {
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  same: boolean;
}

/** Explicit ONNX pads [top, left, bottom, right] and the output size for a window over [h, w]. */
function windowGeometry(context: TfliteContext, op: TfliteOperator, h: number, w: number, window: Window): { pads: number[]; outH: number; outW: number } {
  const values = [...window.kernel, ...window.stride, ...window.dilation];
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 1 << 16)) {
    context.builder.fail(`operator ${op.index} has invalid kernel/stride/dilation ${JSON.stringify(window)}`);
  }
  const [top, bottom] = window.same ? samePadding(h, window.kernel[0], window.stride[0], window.dilation[0]) : [0, 0];
  const [left, right] = window.same ? samePadding(w, window.kernel[1], window.stride[1], window.dilation[1]) : [0, 0];
  const outH = windowOutputSize(h, window.kernel[0], window.stride[0], window.dilation[0], top, bottom);
  const outW = windowOutputSize(w, window.kernel[1], window.stride[1], window.dilation[1], left, right);
  if (outH < 1 || outW < 1) context.builder.fail(`operator ${op.index}'s window is larger than its ${h}×${w} input`);
  return { pads: [top, left, bottom, right], outH, outW };
}

function convertConv(context: TfliteContext, op: TfliteOperator, depthwise: boolean): void {
  const { builder } = context;
  const opts = options(context, op);
  const input = rank4Input(context, op);
  const [n, h, w, inChannels] = input.shape;
  const filter = constantInput(context, op, 1, 'filter');
  if (filter.tensor.shape.length !== 4) builder.fail(`operator ${op.index}'s filter has shape [${filter.tensor.shape.join(', ')}]; expected rank 4`);

  // CONV_2D filters are OHWI; DEPTHWISE_CONV_2D filters are [1, kh, kw, C × depth_multiplier].
  const [f0, kh, kw, f3] = filter.tensor.shape as [number, number, number, number];
  const outChannels = depthwise ? f3 : f0;
  if (depthwise ? f0 !== 1 || f3 % inChannels !== 0 : f3 !== inChannels) {
    builder.fail(`operator ${op.index}'s filter shape [${filter.tensor.shape.join(', ')}] does not fit its input with ${inChannels} channels`);
  }
  const weights = depthwise ? permute(filter.data, filter.tensor.shape, [3, 0, 1, 2]) : permute(filter.data, filter.tensor.shape, [0, 3, 1, 2]);
  const weightName = builder.constant(filter.tensor.name, [outChannels, depthwise ? 1 : inChannels, kh, kw], weights);

  // Field indices differ: DepthwiseConv2DOptions has depth_multiplier at 3, shifting the rest by one.
  const window: Window = {
    kernel: [kh, kw],
    stride: [opts.i32(2), opts.i32(1)],
    dilation: depthwise ? [opts.i32(6, 1), opts.i32(5, 1)] : [opts.i32(5, 1), opts.i32(4, 1)],
    same: opts.u8(0) === PADDING_SAME,
  };
  const activationCode = depthwise ? opts.u8(4) : opts.u8(3);
  const { pads, outH, outW } = windowGeometry(context, op, h, w, window);

  const inputs = [input.value, weightName];
  const bias = tensorOf(context, op, 2);
  if (bias !== undefined) {
    const biasData = constantInput(context, op, 2, 'bias').data;
    if (biasData.length !== outChannels) builder.fail(`operator ${op.index}'s bias has ${biasData.length} elements; expected ${outChannels}`);
    inputs.push(builder.constant(bias.name, [outChannels], biasData));
  }

  const output = builder.nodeWithActivation(
    'Conv',
    inputs,
    { kernel_shape: [kh, kw], strides: window.stride, dilations: window.dilation, pads, group: depthwise ? inChannels : 1 },
    outputTensor(context, op).name,
    [n, outH, outW, outChannels],
    fusedActivation(context, op, activationCode),
  );
  finish(context, op, output);
}

function convertPool(context: TfliteContext, op: TfliteOperator, opType: 'AveragePool' | 'MaxPool'): void {
  const { builder } = context;
  const opts = options(context, op);
  const input = rank4Input(context, op);
  const [n, h, w, c] = input.shape;
  const window: Window = {
    kernel: [opts.i32(4), opts.i32(3)],
    stride: [opts.i32(2), opts.i32(1)],
    dilation: [1, 1],
    same: opts.u8(0) === PADDING_SAME,
  };
  const { pads, outH, outW } = windowGeometry(context, op, h, w, window);
  const name = outputTensor(context, op).name;

  // A window covering the whole input is a global pool, which the runner reduces in one pass.
  const global = outH === 1 && outW === 1 && window.kernel[0] === h && window.kernel[1] === w;
  const activation = fusedActivation(context, op, opts.u8(5));
  const output = global
    ? builder.nodeWithActivation(opType === 'AveragePool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [input.value], {}, name, [n, 1, 1, c], activation)
    : builder.nodeWithActivation(
        opType,
        [input.value],
        // TFLite's average pool divides by the number of non-padding elements.
        { kernel_shape: window.kernel, strides: window.stride, pads, ...(opType === 'AveragePool' ? { count_include_pad: 0 } : {}) },
        name,
        [n, outH, outW, c],
        activation,
      );
  finish(context, op, output);
}

function convertFullyConnected(context: TfliteContext, op: TfliteOperator): void {
  const { builder } = context;
  const opts = options(context, op);
  let input = activationInput(context, op, 0);
  const weights = constantInput(context, op, 1, 'weights');
  if (weights.tensor.shape.length !== 2) builder.fail(`operator ${op.index}'s weights have shape [${weights.tensor.shape.join(', ')}]; expected [out, in]`);
  const [outFeatures, inFeatures] = weights.tensor.shape as [number, number];

  // TFLite flattens any input to [batch, in] in NHWC element order.
  const inputShape = builder.shape(input);
  const total = inputShape.reduce((a, b) => a * Math.max(b, 1), 1);
  if (total % inFeatures !== 0) builder.fail(`operator ${op.index}'s input shape [${inputShape.join(', ')}] does not divide into rows of ${inFeatures}`);
  const batch = inputShape[0] === -1 ? -1 : total / inFeatures;
  if (inputShape.length !== 2 || inputShape[1] !== inFeatures) input = builder.reshape(input, [batch, inFeatures], `${outputTensor(context, op).name}/flatten`);

  const inputs = [input, builder.constant(weights.tensor.name, [outFeatures, inFeatures], weights.data)];
  const bias = tensorOf(context, op, 2);
  if (bias !== undefined) inputs.push(builder.constant(bias.name, [outFeatures], constantInput(context, op, 2, 'bias').data));
  const output = builder.nodeWithActivation('Gemm', inputs, { transB: 1 }, outputTensor(context, op).name, [batch, outFeatures], fusedActivation(context, op, opts.u8(0)));
  finish(context, op, output);
}

function convertBinary(context: TfliteContext, op: TfliteOperator, opType: 'Add' | 'Mul'): void {
  const { builder } = context;
  const operands = [0, 1].map((i): TfliteTensor => {
    const tensor = tensorOf(context, op, i);
    if (tensor === undefined) return builder.fail(`operator ${op.index} is missing input ${i}`);
    return tensor;
  });

  // Constant operands are laid out against the other operand's rank so per-channel vectors broadcast over C.
  const values = operands.map((tensor, i) => {
    const existing = context.values.get(tensor.index);
    if (existing !== undefined || !isConstant(context.model, tensor)) return activationInput(context, op, i);
    const other = operands[1 - i]!;
    const otherRank = context.values.has(other.index) ? builder.shape(context.values.get(other.index)!).length : other.shape.length;
    const name = builder.broadcastConstant(tensor.name, constantValues(context.model, tensor, builder.file), tensor.shape, otherRank);
    builder.setShape(name, tensor.shape);
    return name;
  });

  const outShape = broadcastShapes(context, op, builder.shape(values[0]!), builder.shape(values[1]!));
  const output = builder.nodeWithActivation(opType, values, {}, outputTensor(context, op).name, outShape, fusedActivation(context, op, op.options?.u8(0) ?? 0));
  finish(context, op, output);
}

function broadcastShapes(context: TfliteContext, op: TfliteOperator, a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) context.builder.fail(`operator ${op.index} cannot broadcast shapes [${a.join(', ')}] and [${b.join(', ')}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function convertMean(context: TfliteContext, op: TfliteOperator): void {
  const { builder } = context;
  const input = activationInput(context, op, 0);
  const shape = builder.shape(input);
  const axes = Array.from(constantInput(context, op, 1, 'axes').data, (a) => (a < 0 ? a + shape.length : a));
  if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= shape.length)) builder.fail(`operator ${op.index} has axes [${axes.join(', ')}] outside rank ${shape.length}`);
  const keepDims = op.options?.bool(0) ?? false;
  const name = outputTensor(context, op).name;
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));

  // The spatial mean of an NHWC tensor is a global average pool.
  const spatial = shape.length === 4 && axes.length === 2 && axes.includes(1) && axes.includes(2);
  let output = spatial
    ? builder.node('GlobalAveragePool', [input], {}, keepDims ? name : `${name}/pool`, kept)
    : builder.node('ReduceMean', [input], { axes: axes.map((a) => nchwAxis(a, shape.length)), keepdims: 1 }, keepDims ? name : `${name}/mean`, kept);
  if (!keepDims) output = builder.reshape(output, shape.filter((_, i) => !axes.includes(i)), name);
  finish(context, op, output);
}

function convertReshape(context: TfliteContext, op: TfliteOperator): void {
  const { builder } = context;
  const input = activationInput(context, op, 0);
  const shape = builder.shape(input);
  const count = shape.reduce((a, b) => a * Math.max(b, 1), 1);
  const declared = outputTensor(context, op).shape;

  let target: number[];
  if (declared.length > 0 && declared.every((d) => d >= 0) && declared.reduce((a, b) => a * b, 1) === count) {
    target = declared;
  } else if (op.opcode === BuiltinOperator.SQUEEZE) {
    const dims = (op.options?.i32Vector(0) ?? []).map((a) => (a < 0 ? a + shape.length : a));
    target = shape.filter((d, i) => (dims.length === 0 ? d !== 1 : !dims.includes(i)));
  } else {
    const requested = tensorOf(context, op, 1) !== undefined ? Array.from(constantInput(context, op, 1, 'shape').data) : (op.options?.i32Vector(0) ?? []);
    target = resolveShape(context, op, requested, count);
  }
  // The importer makes the file's batch of 1 dynamic; a reshape that keeps a leading 1 keeps the batch.
  if (shape[0] === -1 && target[0] === 1) target = [-1, ...target.slice(1)];
  finish(context, op, builder.reshape(input, target, outputTensor(context, op).name));
}

function resolveShape(context: TfliteContext, op: TfliteOperator, requested: number[], count: number): number[] {
  const known = requested.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const inferred = requested.filter((d) => d === -1).length;
  if (inferred > 1 || requested.some((d) => d < -1 || !Number.isInteger(d)) || known === 0 || (inferred === 0 ? known !== count : count % known !== 0)) {
    context.builder.fail(`operator ${op.index} cannot reshape ${count} elements to [${requested.join(', ')}]`);
  }
  return requested.map((d) => (d === -1 ? count / known : d));
}

function convertConcatenation(context: TfliteContext, op: TfliteOperator): void {
  const { builder } = context;
  const opts = options(context, op);
  const inputs = op.inputs.map((_, i) => activationInput(context, op, i));
  if (inputs.length === 0) builder.fail(`operator ${op.index} concatenates no inputs`);
  const shapes = inputs.map((value) => builder.shape(value));
  const rank = shapes[0]!.length;
  const axis = opts.i32(0) < 0 ? opts.i32(0) + rank : opts.i32(0);
  if (axis < 0 || axis >= rank || shapes.some((s) => s.length !== rank)) builder.fail(`operator ${op.index} has concatenation axis ${opts.i32(0)} for inputs of rank ${rank}`);
  const outShape = [...shapes[0]!];
  outShape[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  const output = builder.nodeWithActivation('Concat', inputs, { axis: nchwAxis(axis, rank) }, outputTensor(context, op).name, outShape, fusedActivation(context, op, opts.u8(1)));
  finish(context, op, output);
}

function convertSoftmax(context: TfliteContext, op: TfliteOperator): void {
  const { builder } = context;
  let input = activationInput(context, op, 0);
  const shape = builder.shape(input);
  const beta = op.options?.f32(0, 1) ?? 1;
  const name = outputTensor(context, op).name;
  if (beta !== 1) input = builder.node('Mul', [input, builder.constant(`${name}/beta`, [], new Float32Array([beta]))], {}, `${name}/scaled`, shape);
  const output = builder.node('Softmax', [input], { axis: nchwAxis(shape.length - 1, shape.length) }, name, shape);
  finish(context, op, output);
}

function convertPad(context: TfliteContext, op: TfliteOperator): void {
  const { builder } = context;
  const input = activationInput(context, op, 0);
  const shape = builder.shape(input);
  const paddings = constantInput(context, op, 1, 'paddings').data;
  if (paddings.length !== 2 * shape.length || paddings.some((p) => !Number.isInteger(p) || p < 0 || p > 1 << 16)) {
    builder.fail(`operator ${op.index} has paddings [${Array.from(paddings).join(', ')}] for an input of rank ${shape.length}`);
  }

  // TFLite paddings are [[before, after] per NHWC axis]; ONNX pads are all befores then all afters, in NCHW order.
  const before = new Array<number>(shape.length).fill(0);
  const after = new Array<number>(shape.length).fill(0);
  for (let axis = 0; axis < shape.length; axis++) {
    before[nchwAxis(axis, shape.length)] = paddings[2 * axis]!;
    after[nchwAxis(axis, shape.length)] = paddings[2 * axis + 1]!;
  }
  const outShape = shape.map((d, axis) => (d < 0 ? d : d + paddings[2 * axis]! + paddings[2 * axis + 1]!));
  const output = builder.node('Pad', [input], { mode: 'constant', pads: [...before, ...after], value: 0 }, outputTensor(context, op).name, outShape);
  finish(context, op, output);
}

function convertActivation(context: TfliteContext, op: TfliteOperator, activation: Activation): void {
  const input = activationInput(context, op, 0);
  const output = context.builder.activation(input, activation, outputTensor(context, op).name);
  finish(context, op, output);
}

/**
 * Passes the input on unchanged, because every tensor is float32 after import.
 * A constant input (float16 or quantized weights feeding a DEQUANTIZE) stays a
 * constant, so the op reading it still gets a constant filter or bias.
 */
function convertQuantize(context: TfliteContext, op: TfliteOperator): void {
  const input = tensorOf(context, op, 0);
  const output = outputTensor(context, op);
  if (input !== undefined && !context.values.has(input.index) && isConstant(context.model, input)) {
    context.constantAliases.set(output.index, input);
    return;
  }
  context.values.set(output.index, activationInput(context, op, 0));
}
