import { onnx, toNumber, type OnnxTypes } from './proto';

/** A float32 initializer with its shape. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

export type AttributeValue = number | number[] | string;

export interface GraphNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** The parts of an ONNX model the bench needs: float32 weights and the nodes feeding one output. */
export interface BenchGraph {
  inputName: string;
  /** Input shape without the batch dimension, e.g. [3, 224, 224]. */
  inputShape: number[];
  outputName: string;
  /** Nodes in file order that the output depends on. */
  nodes: GraphNode[];
  weights: Map<string, WeightTensor>;
}

/**
 * Decodes an ONNX model and keeps the nodes that `requestedOutput` (null: the graph's first output)
 * depends on. Only float32 initializers keep their values, because the bench reads no others.
 */
export function readBenchGraph(bytes: Uint8Array, requestedOutput: string | null, file: string): BenchGraph {
  let model: OnnxTypes.IModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new Error(`${file}: not a valid ONNX model (${(error as Error).message}).`);
  }
  const graph = model.graph;
  if (!graph) throw new Error(`${file}: the ONNX model has no graph.`);
  const outputName = requestedOutput ?? graph.output?.[0]?.name;
  if (!outputName) throw new Error(`${file}: the ONNX graph declares no output; pass --output=NAME.`);

  const weights = new Map<string, WeightTensor>();
  for (const tensor of graph.initializer ?? []) {
    weights.set(tensor.name ?? '', decodeFloatTensor(tensor, file));
  }

  const input = (graph.input ?? []).find((value) => !weights.has(value.name ?? ''));
  if (!input?.name) throw new Error(`${file}: the ONNX model has no non-initializer input.`);
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  const inputShape = dims.slice(1).map((d) => toNumber(d.dimValue));
  if (inputShape.length !== 3 || inputShape.some((d) => d <= 0)) {
    throw new Error(
      `${file}: input '${input.name}' must be [N, C, H, W] with fixed C, H and W, got [${dims.map((d) => d.dimParam || toNumber(d.dimValue)).join(', ')}]. ` +
        'Export the model with a fixed image size.',
    );
  }

  const allNodes = (graph.node ?? []).map((node, index) => toGraphNode(node, index));
  const nodes = nodesFeeding(allNodes, outputName, file);
  return { inputName: input.name, inputShape, outputName, nodes, weights };
}

function toGraphNode(node: OnnxTypes.INodeProto, index: number): GraphNode {
  const attributes: Record<string, AttributeValue> = {};
  for (const attribute of node.attribute ?? []) {
    const name = attribute.name ?? '';
    switch (attribute.type) {
      case onnx.AttributeProto.AttributeType.INT:
        attributes[name] = toNumber(attribute.i);
        break;
      case onnx.AttributeProto.AttributeType.FLOAT:
        attributes[name] = attribute.f ?? 0;
        break;
      case onnx.AttributeProto.AttributeType.INTS:
        attributes[name] = (attribute.ints ?? []).map((v) => toNumber(v));
        break;
      case onnx.AttributeProto.AttributeType.STRING:
        attributes[name] = new TextDecoder().decode(attribute.s ?? new Uint8Array());
        break;
      default:
        break;
    }
  }
  return {
    name: node.name || `${node.opType}_${index}`,
    opType: node.opType ?? '',
    inputs: node.input ?? [],
    outputs: node.output ?? [],
    attributes,
  };
}

function nodesFeeding(nodes: GraphNode[], outputName: string, file: string): GraphNode[] {
  const producer = new Map<string, GraphNode>();
  for (const node of nodes) for (const output of node.outputs) producer.set(output, node);
  if (!producer.has(outputName)) {
    throw new Error(`${file}: no node produces output '${outputName}'; pass the name of a node output of the model with --output=NAME.`);
  }

  const needed = new Set<GraphNode>();
  const pending = [outputName];
  while (pending.length > 0) {
    const node = producer.get(pending.pop()!);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    pending.push(...node.inputs.filter((name) => name !== ''));
  }
  return nodes.filter((node) => needed.has(node));
}

function decodeFloatTensor(tensor: OnnxTypes.ITensorProto, file: string): WeightTensor {
  const shape = (tensor.dims ?? []).map((d) => toNumber(d));
  const count = shape.reduce((a, b) => a * b, 1);
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) {
    // Shape operands (int64) are never read by the bench; keep their shape only.
    return { shape, data: new Float32Array(0) };
  }

  if (tensor.rawData && tensor.rawData.length > 0) {
    const copy = tensor.rawData.slice();
    return { shape, data: new Float32Array(copy.buffer, 0, count) };
  }
  if (tensor.floatData && tensor.floatData.length === count) {
    return { shape, data: Float32Array.from(tensor.floatData) };
  }
  throw new Error(`${file}: initializer '${tensor.name}' has no inline float32 data (external data is not supported by the bench).`);
}
