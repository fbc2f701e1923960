/**
 * Reader for the ONNX operator conformance data of the Debian package `libonnx-testdata`
 * (`/usr/share/libonnx-testdata/data/node/test_NAME/`): the node's attributes from `model.onnx`
 * and tensors from `test_data_set_0/{input,output}_N.pb`. It decodes only the
 * protobuf fields those files use (onnx.proto field numbers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ONNX_TESTDATA_DIR = '/usr/share/libonnx-testdata/data/node';

/** A tensor from a `.pb` file, with integer data converted to numbers. */
export interface TestTensor {
  dims: number[];
  data: Float32Array | number[];
}

/** The single node of a conformance model and its test data. */
export interface ConformanceCase {
  opType: string;
  attributes: Map<string, number | number[] | string>;
  inputs: TestTensor[];
  outputs: TestTensor[];
}

/** True when the conformance data package is installed. */
export function hasOnnxTestdata(): boolean {
  return existsSync(ONNX_TESTDATA_DIR);
}

type Field = { number: number; wireType: number; value: bigint | Uint8Array };

function* readFields(bytes: Uint8Array): Generator<Field> {
  let position = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[position++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (position < bytes.length) {
    const key = Number(varint());
    const wireType = key & 7;
    const number = key >>> 3;
    if (wireType === 0) {
      yield { number, wireType, value: varint() };
    } else if (wireType === 1) {
      yield { number, wireType, value: bytes.subarray(position, position + 8) };
      position += 8;
    } else if (wireType === 2) {
      const length = Number(varint());
      yield { number, wireType, value: bytes.subarray(position, position + length) };
      position += length;
    } else if (wireType === 5) {
      yield { number, wireType, value: bytes.subarray(position, position + 4) };
      position += 4;
    } else {
      throw new Error(`onnx-testdata: unsupported protobuf wire type ${wireType} for field ${number}.`);
    }
  }
}

/** Reads a repeated int64 field element, packed (wire type 2) or not (wire type 0). */
function int64Values(field: Field): number[] {
  if (field.wireType === 0) return [Number(BigInt.asIntN(64, field.value as bigint))];
  return [...readPackedVarints(field.value as Uint8Array)];
}

function* readPackedVarints(bytes: Uint8Array): Generator<number> {
  let position = 0;
  while (position < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[position++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    yield Number(BigInt.asIntN(64, result));
  }
}

function float32At(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

/** Decodes a TensorProto of data type FLOAT (1), INT32 (6) or INT64 (7), with integers as numbers. */
export function parseTensor(bytes: Uint8Array): TestTensor {
  const dims: number[] = [];
  let dataType = 0;
  let raw: Uint8Array | null = null;
  const floats: number[] = [];
  const int64s: number[] = [];
  for (const field of readFields(bytes)) {
    if (field.number === 1) dims.push(...int64Values(field));
    else if (field.number === 2) dataType = Number(field.value);
    else if (field.number === 9) raw = field.value as Uint8Array;
    else if (field.number === 4 && field.wireType === 2) {
      const packed = field.value as Uint8Array;
      for (let i = 0; i < packed.length; i += 4) floats.push(float32At(packed.subarray(i, i + 4)));
    } else if (field.number === 4 && field.wireType === 5) floats.push(float32At(field.value as Uint8Array));
    else if (field.number === 7 || field.number === 5) int64s.push(...int64Values(field));
  }

  const count = dims.reduce((p, s) => p * s, 1);
  if (dataType === 1) {
    if (raw) {
      const copy = new Uint8Array(raw);
      return { dims, data: new Float32Array(copy.buffer, 0, count) };
    }
    return { dims, data: Float32Array.from(floats) };
  }
  if (dataType === 7) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return { dims, data: Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true))) };
    }
    return { dims, data: int64s };
  }
  if (dataType === 6) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return { dims, data: Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true)) };
    }
    return { dims, data: int64s };
  }
  throw new Error(`onnx-testdata: tensor data type ${dataType} is not supported. Only FLOAT (1), INT32 (6) and INT64 (7) are.`);
}

function parseAttribute(bytes: Uint8Array): [string, number | number[] | string] {
  let name = '';
  let value: number | number[] | string = [];
  const ints: number[] = [];
  const floats: number[] = [];
  for (const field of readFields(bytes)) {
    if (field.number === 1) name = new TextDecoder().decode(field.value as Uint8Array);
    else if (field.number === 2) value = float32At(field.value as Uint8Array);
    else if (field.number === 3) value = Number(BigInt.asIntN(64, field.value as bigint));
    else if (field.number === 4) value = new TextDecoder().decode(field.value as Uint8Array);
    else if (field.number === 8) ints.push(...int64Values(field));
    else if (field.number === 7 && field.wireType === 5) floats.push(float32At(field.value as Uint8Array));
  }
  if (ints.length > 0) value = ints;
  if (floats.length > 0) value = floats;
  return [name, value];
}

/** Loads conformance case `test_NAME`: its one node's type and attributes, and data set 0. */
export function loadConformanceCase(name: string): ConformanceCase {
  const directory = join(ONNX_TESTDATA_DIR, name);
  const model = new Uint8Array(readFileSync(join(directory, 'model.onnx')));
  let opType = '';
  const attributes = new Map<string, number | number[] | string>();

  for (const modelField of readFields(model)) {
    if (modelField.number !== 7) continue;
    for (const graphField of readFields(modelField.value as Uint8Array)) {
      if (graphField.number !== 1) continue;
      for (const nodeField of readFields(graphField.value as Uint8Array)) {
        if (nodeField.number === 4) opType = new TextDecoder().decode(nodeField.value as Uint8Array);
        if (nodeField.number === 5) {
          const [key, value] = parseAttribute(nodeField.value as Uint8Array);
          attributes.set(key, value);
        }
      }
    }
  }

  const dataDirectory = join(directory, 'test_data_set_0');
  const load = (prefix: string) => {
    const tensors: TestTensor[] = [];
    for (let i = 0; existsSync(join(dataDirectory, `${prefix}_${i}.pb`)); i++) {
      tensors.push(parseTensor(new Uint8Array(readFileSync(join(dataDirectory, `${prefix}_${i}.pb`)))));
    }
    return tensors;
  };
  return { opType, attributes, inputs: load('input'), outputs: load('output') };
}
