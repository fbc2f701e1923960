import { ModelImportError } from '../../ir/graph';
import { TensorType, type TfliteModel, type TfliteTensor } from './schema';

const ELEMENT_SIZE: Record<number, number> = {
  [TensorType.FLOAT32]: 4,
  [TensorType.FLOAT16]: 2,
  [TensorType.INT32]: 4,
  [TensorType.UINT8]: 1,
  [TensorType.INT64]: 8,
  [TensorType.INT8]: 1,
};

/** Returns whether the tensor is a constant, which means its buffer contains data. */
export function isConstant(model: TfliteModel, tensor: TfliteTensor): boolean {
  return (model.buffers[tensor.buffer]?.byteLength ?? 0) > 0;
}

/**
 * Decodes a constant tensor to float32, dequantizing quantized integers with
 * real = scale × (q − zero_point), per tensor or per channel along
 * `quantized_dimension`. Integers without quantization (shapes, axes, paddings)
 * are converted as they are.
 *
 * The element count must match the buffer size exactly, so a corrupt shape can
 * never cause an allocation larger than the file.
 */
export function constantValues(model: TfliteModel, tensor: TfliteTensor, file: string): Float32Array {
  const bytes = model.buffers[tensor.buffer] ?? new Uint8Array(0);
  const elementSize = ELEMENT_SIZE[tensor.type];
  const where = `tensor ${tensor.index} '${tensor.name}'`;
  if (elementSize === undefined) throw new ModelImportError(file, `${where} has unsupported type ${tensor.type}; supported types are float32, float16, int32, int64, uint8 and int8`);

  const count = elementCount(tensor, file);
  if (count * elementSize !== bytes.byteLength) {
    throw new ModelImportError(file, `${where} has shape [${tensor.shape.join(', ')}] (${count} elements) but its buffer has ${bytes.byteLength} bytes, so the file is corrupt`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = new Float32Array(count);
  for (let i = 0; i < count; i++) raw[i] = readElement(view, tensor.type, i);

  if (tensor.type === TensorType.FLOAT32 || tensor.type === TensorType.FLOAT16 || tensor.quantization === undefined) return raw;
  return dequantize(raw, tensor, file);
}

/** Number of elements of a tensor whose dimensions must all be known and non-negative. */
export function elementCount(tensor: TfliteTensor, file: string): number {
  let count = 1;
  for (const dim of tensor.shape) {
    if (!Number.isInteger(dim) || dim < 0) throw new ModelImportError(file, `tensor ${tensor.index} '${tensor.name}' has invalid dimension ${dim} in shape [${tensor.shape.join(', ')}]`);
    count *= dim;
  }
  return count;
}

function readElement(view: DataView, type: number, i: number): number {
  switch (type) {
    case TensorType.FLOAT32:
      return view.getFloat32(4 * i, true);
    case TensorType.FLOAT16:
      return float16ToNumber(view.getUint16(2 * i, true));
    case TensorType.INT32:
      return view.getInt32(4 * i, true);
    case TensorType.UINT8:
      return view.getUint8(i);
    case TensorType.INT64:
      return Number(view.getBigInt64(8 * i, true));
    default:
      return view.getInt8(i);
  }
}

function dequantize(raw: Float32Array, tensor: TfliteTensor, file: string): Float32Array {
  const { scale, zeroPoint, quantizedDimension } = tensor.quantization!;
  const channels = scale.length;
  const where = `tensor ${tensor.index} '${tensor.name}'`;
  if (zeroPoint.length !== 0 && zeroPoint.length !== channels) {
    throw new ModelImportError(file, `${where} has ${channels} quantization scales but ${zeroPoint.length} zero points`);
  }

  if (channels === 1) {
    const s = scale[0]!;
    const z = zeroPoint[0] ?? 0;
    return raw.map((q) => s * (q - z));
  }

  // Per-channel: the channel index of element i is its coordinate along quantized_dimension.
  const dimension = tensor.shape[quantizedDimension];
  if (dimension !== channels) {
    throw new ModelImportError(file, `${where} has ${channels} quantization scales, but dimension ${quantizedDimension} of shape [${tensor.shape.join(', ')}] is ${dimension}`);
  }
  const inner = tensor.shape.slice(quantizedDimension + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = scale[c]! * (raw[i]! - (zeroPoint[c] ?? 0));
  }
  return out;
}

/** IEEE 754 half precision to a number. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
