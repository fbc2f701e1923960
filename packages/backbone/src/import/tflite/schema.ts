import { FlatBufferReader, type Table } from './flatbuffer';

/**
 * The parts of the TFLite schema (version 3, `schema.fbs` in the TensorFlow
 * repository) that the importer uses, decoded into plain objects. Field indices
 * below are the schema's field order.
 */

/** `TensorType` values. */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  INT8: 9,
} as const;

/** `BuiltinOperator` values of the operators the importer converts. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  SQUEEZE: 43,
  QUANTIZE: 114,
  HARD_SWISH: 117,
} as const;

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  quantization?: Quantization;
}

export interface TfliteOperator {
  index: number;
  opcode: number;
  /** Custom op name for `CUSTOM` operators, for error messages. */
  customCode?: string;
  inputs: number[];
  outputs: number[];
  /** The builtin options table; its layout depends on the operator. */
  options?: Table;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
  /** Buffer contents as views into the file; an empty view for a buffer without data. */
  buffers: Uint8Array[];
}

/** `schema.fbs`: the largest builtin operator code that fits the int8 `deprecated_builtin_code`. */
const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

export function parseTfliteModel(bytes: Uint8Array, file: string): TfliteModel {
  const reader = new FlatBufferReader(bytes, file);
  const model = reader.root('TFL3');

  const version = model.u32(0);
  if (version !== 3) reader.fail(`TFLite schema version is ${version}; only version 3 is supported`);

  const opcodes = model.tableVector(1).map(readOperatorCode);
  const subgraphs = model.tableVector(2);
  if (subgraphs.length === 0) reader.fail('the model has no subgraphs');
  const description = model.string(3) ?? '';
  const buffers = model.tableVector(4).map((buffer, index) => readBuffer(reader, buffer, index));

  // Only the first subgraph is the model; others hold control-flow bodies the importer does not support.
  const subgraph = subgraphs[0]!;
  const tensors = subgraph.tableVector(0).map((tensor, index) => readTensor(tensor, index));
  const checkTensor = (tensorIndex: number, where: string): void => {
    if (tensorIndex !== -1 && (tensorIndex < 0 || tensorIndex >= tensors.length)) {
      reader.fail(`${where} refers to tensor ${tensorIndex}, but the subgraph has ${tensors.length} tensors`);
    }
  };

  for (const tensor of tensors) {
    if (tensor.buffer >= buffers.length) {
      reader.fail(`tensor ${tensor.index} '${tensor.name}' refers to buffer ${tensor.buffer}, but the model has ${buffers.length} buffers`);
    }
  }

  const inputs = subgraph.i32Vector(1);
  const outputs = subgraph.i32Vector(2);
  inputs.forEach((tensorIndex) => checkTensor(tensorIndex, 'a subgraph input'));
  outputs.forEach((tensorIndex) => checkTensor(tensorIndex, 'a subgraph output'));

  const operators = subgraph.tableVector(3).map((operator, index): TfliteOperator => {
    const opcodeIndex = operator.u32(0);
    const opcode = opcodes[opcodeIndex];
    if (opcode === undefined) reader.fail(`operator ${index} uses opcode index ${opcodeIndex}, but the model has ${opcodes.length} operator codes`);
    const result: TfliteOperator = {
      index,
      opcode: opcode.code,
      inputs: operator.i32Vector(1),
      outputs: operator.i32Vector(2),
    };
    if (opcode.customCode !== undefined) result.customCode = opcode.customCode;
    const options = operator.table(4);
    if (options !== undefined) result.options = options;
    result.inputs.forEach((tensorIndex) => checkTensor(tensorIndex, `operator ${index}'s input`));
    result.outputs.forEach((tensorIndex) => checkTensor(tensorIndex, `operator ${index}'s output`));
    return result;
  });

  return { version, description, tensors, inputs, outputs, operators, buffers };
}

function readOperatorCode(code: Table): { code: number; customCode?: string } {
  // The schema keeps the old int8 field for compatibility: the real code is the larger of the two.
  const deprecated = code.i8(0);
  const builtin = code.i32(3);
  const value = Math.max(deprecated, builtin);
  if (value === PLACEHOLDER_FOR_GREATER_OP_CODES && builtin === 0) {
    code.reader.fail(`operator code ${value} is a placeholder without a builtin_code`);
  }
  const customCode = code.string(1);
  return customCode === undefined ? { code: value } : { code: value, customCode };
}

function readBuffer(reader: FlatBufferReader, buffer: Table, index: number): Uint8Array {
  const data = buffer.vectorBytes(0, 1);
  if (data !== undefined && data.byteLength > 0) return data;

  // Models over 2 GB keep tensor data after the flatbuffer, addressed by offset and size from the file start.
  const offset = buffer.i64(1);
  const size = buffer.i64(2);
  if (size === 0) return new Uint8Array(0);
  reader.check(offset, size, `buffer ${index}'s data`);
  return reader.bytes.subarray(offset, offset + size);
}

function readTensor(tensor: Table, index: number): TfliteTensor {
  const result: TfliteTensor = {
    index,
    name: tensor.string(3) ?? `tensor_${index}`,
    shape: tensor.i32Vector(0),
    type: tensor.u8(1),
    buffer: tensor.u32(2),
  };

  const quantization = tensor.table(4);
  if (quantization !== undefined) {
    const scale = quantization.f32Vector(2);
    const zeroPoint = quantization.i64Vector(3);
    if (scale.length > 0) {
      result.quantization = { scale, zeroPoint, quantizedDimension: quantization.i32(6) };
    }
  }
  return result;
}
