import { onnx } from '../../src/import/onnx/proto';

export interface TinyNode {
  opType: string;
  inputs: string[];
  output: string;
  attributes?: Record<string, number | number[]>;
}

export interface TinyModelOptions {
  opset?: number;
  inputShape?: Array<number | string>;
  inputType?: number;
  /** Store initializers in this external file instead of raw_data (returns its bytes as `external`). */
  externalFile?: string;
}

/** Writes a small ONNX model: one input `x`, float32 or int64 initializers, the given nodes, output `y`. */
export function tinyModel(nodes: TinyNode[], initializers: Record<string, { dims: number[]; data: Float32Array | BigInt64Array }>, options: TinyModelOptions = {}) {
  const Type = onnx.AttributeProto.AttributeType;
  let external = new Uint8Array(0);
  const tensors = Object.entries(initializers).map(([name, { dims, data }]) => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const dataType = data instanceof BigInt64Array ? onnx.TensorProto.DataType.INT64 : onnx.TensorProto.DataType.FLOAT;
    if (!options.externalFile) return { name, dims, dataType, rawData: bytes };
    const offset = external.length;
    const grown = new Uint8Array(offset + bytes.length);
    grown.set(external);
    grown.set(bytes, offset);
    external = grown;
    return {
      name,
      dims,
      dataType,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: options.externalFile },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.length) },
      ],
    };
  });
  const valueInfo = (name: string, dims: Array<number | string>, elemType: number = onnx.TensorProto.DataType.FLOAT) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });

  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: options.opset ?? 13 }],
    graph: {
      name: 'tiny',
      node: nodes.map((node, i) => ({
        name: `${node.opType.toLowerCase()}_${i}`,
        opType: node.opType,
        input: node.inputs,
        output: [node.output],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) =>
          Array.isArray(value) ? { name, type: Type.INTS, ints: value } : Number.isInteger(value) ? { name, type: Type.INT, i: value } : { name, type: Type.FLOAT, f: value },
        ),
      })),
      initializer: tensors,
      input: [valueInfo('x', options.inputShape ?? ['N', 2, 5, 5], options.inputType)],
      output: [valueInfo('y', [])],
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), external };
}

/** Returns a seeded pseudo-random float32 array with values in [-1, 1). */
export function seededValues(length: number, seed = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 2 - 1;
  });
}
