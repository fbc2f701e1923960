import type { AttributeValue, DataType, Dim, Graph, Initializer, Node, ValueInfo } from '../../ir/graph';
import { onnx, type OnnxTypes } from '../../import/onnx/proto';

/** The opset written: 14 is the first with HardSwish, and keeps ReduceMean axes as an attribute. */
const OPSET = 14;

/** ONNX attributes of type FLOAT among those the IR uses; every other numeric attribute is INT. */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon', 'momentum', 'gamma', 'value']);

const ELEMENT_TYPES: Partial<Record<DataType, number>> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
};

/**
 * Writes an IR graph as an ONNX model (opset 14), for running it in another engine such as
 * onnxruntime. Operands that the importer moved into attributes (Clip min/max, Reshape shape,
 * Squeeze/Unsqueeze axes, Pad pads) go back to being constant inputs. Rejects graphs with fused
 * `offshelf.` nodes, which no other engine runs; export before `optimizeGraph`.
 */
export function exportOnnx(graph: Graph): Uint8Array {
  const initializers = [...graph.initializers.values()].map(tensorProto);
  const nodes = graph.nodes.map((node) => nodeProto(node, initializers));

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'offshelf',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      node: nodes,
      initializer: initializers,
      input: graph.inputs.map(valueInfoProto),
      output: graph.outputs.map(valueInfoProto),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function nodeProto(node: Node, initializers: OnnxTypes.ITensorProto[]): OnnxTypes.INodeProto {
  if (node.opType.startsWith('offshelf.')) {
    throw new Error(`node '${node.name}' is the fused ${node.opType}, which ONNX has no operator for; export the graph before optimizeGraph.`);
  }
  const attributes = { ...node.attributes };
  const inputs = [...node.inputs];
  const constantInput = (suffix: string, dataType: DataType, values: number[], shape: number[]): string => {
    const name = `${node.name}/${suffix}`;
    const data = dataType === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Float32Array.from(values);
    initializers.push(tensorProto({ name, dataType, shape, data }));
    return name;
  };

  switch (node.opType) {
    case 'Clip': {
      const min = attributes.min as number | undefined;
      const max = attributes.max as number | undefined;
      delete attributes.min;
      delete attributes.max;
      inputs.push(min === undefined || min === -Infinity ? '' : constantInput('min', 'float32', [min], []));
      inputs.push(max === undefined || max === Infinity ? '' : constantInput('max', 'float32', [max], []));
      break;
    }
    case 'Reshape':
      if (attributes.shape) {
        const shape = attributes.shape as number[];
        inputs.push(constantInput('shape', 'int64', shape, [shape.length]));
        delete attributes.shape;
      }
      break;
    case 'Squeeze':
    case 'Unsqueeze':
      if (attributes.axes) {
        const axes = attributes.axes as number[];
        inputs.push(constantInput('axes', 'int64', axes, [axes.length]));
        delete attributes.axes;
      }
      break;
    case 'Pad':
      if (attributes.pads) {
        const pads = attributes.pads as number[];
        inputs.push(constantInput('pads', 'int64', pads, [pads.length]));
        inputs.push(constantInput('value', 'float32', [(attributes.value as number | undefined) ?? 0], []));
        if (attributes.axes) throw new Error(`Pad node '${node.name}' has axes, which opset ${OPSET} does not accept.`);
        delete attributes.pads;
        delete attributes.value;
      }
      break;
  }

  return {
    name: node.name,
    opType: node.opType,
    input: inputs,
    output: node.outputs,
    attribute: Object.entries(attributes).map(([name, value]) => attributeProto(name, value)),
  };
}

function attributeProto(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: Type.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return FLOAT_ATTRIBUTES.has(name) || !Number.isInteger(value) ? { name, type: Type.FLOAT, f: value } : { name, type: Type.INT, i: value };
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return { name, type: Type.STRINGS, strings: (value as string[]).map((v) => new TextEncoder().encode(v)) };
    const numbers = value as number[];
    return numbers.every(Number.isInteger) ? { name, type: Type.INTS, ints: numbers } : { name, type: Type.FLOATS, floats: numbers };
  }
  return { name, type: Type.TENSOR, t: tensorProto(value) };
}

function tensorProto(tensor: Initializer): OnnxTypes.ITensorProto {
  const dataType = ELEMENT_TYPES[tensor.dataType];
  if (dataType === undefined) throw new Error(`tensor '${tensor.name}' has type ${tensor.dataType}, which exportOnnx does not write.`);
  const rawData = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return { name: tensor.name, dims: tensor.shape, dataType, rawData };
}

function valueInfoProto(value: ValueInfo): OnnxTypes.IValueInfoProto {
  const dims = value.shape.map((d: Dim) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name: value.name, type: { tensorType: { elemType: ELEMENT_TYPES[value.dataType] ?? onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } } };
}
