import { errorReason, ModelImportError, type DataType, type Initializer } from '../../ir/graph';
import type { ModelSource } from '../../source';
import { onnx, toNumber, type Int64, type OnnxTypes } from './proto';

const TensorDataType = onnx.TensorProto.DataType;

/** Maps an ONNX `TensorProto.DataType` to the IR type, or null when the IR has no such type. */
export function dataTypeFromOnnx(code: number): DataType | null {
  switch (code) {
    case TensorDataType.FLOAT:
    case TensorDataType.DOUBLE:
      return 'float32';
    case TensorDataType.FLOAT16:
      return 'float16';
    case TensorDataType.INT32:
      return 'int32';
    case TensorDataType.INT64:
      return 'int64';
    case TensorDataType.UINT8:
      return 'uint8';
    case TensorDataType.INT8:
      return 'int8';
    case TensorDataType.BOOL:
      return 'bool';
    default:
      return null;
  }
}

/**
 * Decodes a `TensorProto` (an initializer, a Constant's value, or a conformance `.pb` file)
 * into an IR tensor. Data comes from `raw_data` (little-endian), the typed fields
 * (`float_data`, `int32_data`, `int64_data`, `double_data`) or an external data file read
 * through `source.readSibling`. Doubles become float32 and float16 is widened to float32,
 * because every kernel computes in float32.
 */
export async function decodeTensor(
  tensor: OnnxTypes.ITensorProto,
  file: string,
  source?: Pick<ModelSource, 'readSibling'>,
): Promise<Initializer> {
  const name = tensor.name ?? '';
  const shape = (tensor.dims ?? []).map((d) => toNumber(d as Int64));
  const count = shape.reduce((a, b) => a * b, 1);
  const code = tensor.dataType ?? 0;
  const dataType = dataTypeFromOnnx(code);
  if (!dataType) {
    const typeName = TensorDataType[code] ?? String(code);
    throw new ModelImportError(file, `tensor '${name}' has data type ${typeName}, which is not supported (use float32, int32 or int64).`);
  }

  let raw: Uint8Array | null = tensor.rawData && tensor.rawData.length > 0 ? tensor.rawData : null;
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    raw = await readExternalData(tensor, name, file, source);
  }

  let data: Initializer['data'];
  if (raw) {
    data = decodeRaw(raw, code, count, name, file);
  } else {
    data = decodeTyped(tensor, code, count, name, file);
  }
  const irType: DataType = dataType === 'float16' ? 'float32' : dataType;
  return { name, dataType: irType, shape, data };
}

async function readExternalData(
  tensor: OnnxTypes.ITensorProto,
  name: string,
  file: string,
  source?: Pick<ModelSource, 'readSibling'>,
): Promise<Uint8Array> {
  const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new ModelImportError(file, `tensor '${name}' is stored externally but names no location.`);
  if (!source) throw new ModelImportError(file, `tensor '${name}' is stored in external file '${location}', but no model source was given to read it.`);

  let bytes: Uint8Array;
  try {
    bytes = await source.readSibling(location);
  } catch (error) {
    throw new ModelImportError(
      file,
      `external data file '${location}' for tensor '${name}' could not be read (${errorReason(error)}). Place it next to the model file.`,
    );
  }
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length') ? Number(entries.get('length')) : bytes.length - offset;
  if (offset + length > bytes.length) {
    throw new ModelImportError(
      file,
      `external data file '${location}' is ${bytes.length} bytes, too short for tensor '${name}' at offset ${offset} with length ${length}; the file is truncated.`,
    );
  }
  return bytes.subarray(offset, offset + length);
}

const BYTES_PER_ELEMENT: Record<number, number> = {
  [TensorDataType.FLOAT]: 4,
  [TensorDataType.DOUBLE]: 8,
  [TensorDataType.FLOAT16]: 2,
  [TensorDataType.INT32]: 4,
  [TensorDataType.INT64]: 8,
  [TensorDataType.UINT8]: 1,
  [TensorDataType.INT8]: 1,
  [TensorDataType.BOOL]: 1,
};

function decodeRaw(raw: Uint8Array, code: number, count: number, name: string, file: string): Initializer['data'] {
  const size = BYTES_PER_ELEMENT[code]!;
  if (raw.length !== count * size) {
    throw new ModelImportError(file, `tensor '${name}' has ${raw.length} bytes of raw data, expected ${count * size}; the file is truncated or corrupt.`);
  }

  // Copy into a fresh, aligned buffer: raw_data views into the protobuf buffer at arbitrary offsets
  // (and Node's Buffer.slice returns a view, not a copy).
  const bytes = new Uint8Array(raw.length);
  bytes.set(raw);
  const view = new DataView(bytes.buffer);
  switch (code) {
    case TensorDataType.FLOAT:
      return new Float32Array(bytes.buffer);
    case TensorDataType.DOUBLE:
      return Float32Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true));
    case TensorDataType.FLOAT16:
      return Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
    case TensorDataType.INT32:
      return new Int32Array(bytes.buffer);
    case TensorDataType.INT64:
      return new BigInt64Array(bytes.buffer);
    case TensorDataType.INT8:
      return new Int8Array(bytes.buffer);
    default:
      return bytes;
  }
}

function decodeTyped(tensor: OnnxTypes.ITensorProto, code: number, count: number, name: string, file: string): Initializer['data'] {
  let data: Initializer['data'];
  let length: number;
  switch (code) {
    case TensorDataType.FLOAT:
      length = tensor.floatData?.length ?? 0;
      data = Float32Array.from(tensor.floatData ?? []);
      break;
    case TensorDataType.DOUBLE:
      length = tensor.doubleData?.length ?? 0;
      data = Float32Array.from(tensor.doubleData ?? []);
      break;
    case TensorDataType.INT64:
      length = tensor.int64Data?.length ?? 0;
      data = BigInt64Array.from((tensor.int64Data ?? []).map((v) => BigInt((v as Int64).toString())));
      break;
    case TensorDataType.FLOAT16:
      // float16 in int32_data stores the 16 bits in the low half of each element.
      length = tensor.int32Data?.length ?? 0;
      data = Float32Array.from(tensor.int32Data ?? [], (bits) => halfToFloat(bits & 0xffff));
      break;
    case TensorDataType.INT32:
      length = tensor.int32Data?.length ?? 0;
      data = Int32Array.from(tensor.int32Data ?? []);
      break;
    case TensorDataType.INT8:
      length = tensor.int32Data?.length ?? 0;
      data = Int8Array.from(tensor.int32Data ?? []);
      break;
    default:
      length = tensor.int32Data?.length ?? 0;
      data = Uint8Array.from(tensor.int32Data ?? []);
  }
  if (length !== count) {
    throw new ModelImportError(file, `tensor '${name}' has ${length} values for shape [${(tensor.dims ?? []).join(', ')}] (${count} expected).`);
  }
  return data;
}

/** Converts IEEE 754 binary16 bits to a number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
