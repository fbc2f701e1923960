import { ModelImportError, type Dim, type Graph, type Node, type ValueInfo } from '../../ir/graph';
import { moveConstantOperandsToAttributes } from '../../ir/normalize';
import { SUPPORTED_OPERATORS } from '../../ir/operators';
import { inferShapes, normalizeAxis } from '../../ir/shape-inference';
import type { ModelSource } from '../../source';
import { decodeAttribute } from './attributes';
import { constantNodeValue } from './constant-node';
import { HUGGING_FACE_PREPROCESSOR_FILE, readHuggingFacePreprocessing } from './hugging-face-preprocessing';
import { chooseMetadata } from './metadata';
import { onnx, toNumber, type Int64, type OnnxTypes } from './proto';
import { dataTypeFromOnnx, decodeTensor } from './tensor';

/** Opsets of the default ONNX domain whose semantics the importer handles. */
export const ONNX_OPSET_RANGE = { min: 7, max: 21 } as const;

/**
 * Imports an ONNX model into the IR: decodes the protobuf, loads initializers (raw, typed or
 * external data), turns Constant nodes into initializers, moves constant operands into
 * attributes, and infers every value's shape. The preprocessing comes from a Hugging Face
 * `preprocessor_config.json` beside the file where there is one (an unreadable one adds a line
 * to `metadata.warnings`), else from chooseMetadata. Throws
 * one `ModelImportError` naming the file for malformed input, and one listing every unsupported op
 * type for unsupported models.
 */
export async function importOnnx(source: ModelSource): Promise<Graph> {
  const file = source.name;
  const bytes = await source.readMain();
  const model = decodeModel(bytes, file);
  const opset = defaultOpset(model, file);
  const protoGraph = model.graph!;

  const graph: Graph = {
    name: protoGraph.name || file,
    inputs: [],
    outputs: [],
    initializers: new Map(),
    nodes: [],
    valueInfo: new Map(),
    metadata: { sourceFormat: 'onnx', sourceName: file, preprocessing: undefined as never, properties: {} },
  };

  for (const tensor of protoGraph.initializer ?? []) {
    const decoded = await decodeTensor(tensor, file, source);
    graph.initializers.set(decoded.name, decoded);
  }

  const legacySoftmax = new Set<Node>();
  graph.nodes = await decodeNodes(protoGraph, opset, file, source, legacySoftmax);
  checkSupported(graph.nodes, file);
  hoistConstants(graph, file);

  graph.inputs = (protoGraph.input ?? []).filter((v) => !graph.initializers.has(v.name ?? '')).map((v) => decodeValueInfo(v, file));
  graph.outputs = (protoGraph.output ?? []).map((v) => decodeValueInfo(v, file));
  for (const input of graph.inputs) {
    if (input.dataType !== 'float32') {
      throw new ModelImportError(file, `input '${input.name}' has type ${input.dataType}; only float32 image inputs are supported.`);
    }
  }

  moveConstantOperandsToAttributes(graph, file);
  let shapes = inferShapes(graph);
  if (legacySoftmax.size > 0) {
    resolveLegacySoftmax(graph, legacySoftmax, shapes, file);
    shapes = inferShapes(graph);
  }
  for (const [name, shape] of shapes) {
    if (!graph.initializers.has(name)) graph.valueInfo.set(name, { name, dataType: 'float32', shape });
  }
  graph.outputs = graph.outputs.map((o) => ({ ...o, shape: o.shape.length > 0 ? o.shape : (shapes.get(o.name) ?? []) }));

  const properties: Record<string, string> = { opset: String(opset) };
  if (model.producerName) properties.producer = `${model.producerName} ${model.producerVersion ?? ''}`.trim();
  if (model.docString) properties.description = model.docString;
  for (const entry of model.metadataProps ?? []) properties[entry.key ?? ''] = entry.value ?? '';
  graph.metadata = chooseMetadata(graph, properties);

  // A Hugging Face export keeps its image processor's settings beside the model.
  const { height, width } = graph.metadata.preprocessing;
  const configured = await readHuggingFacePreprocessing(source, height, width);
  if (configured.preprocessing) {
    graph.metadata.preprocessing = configured.preprocessing;
    graph.metadata.preprocessingSource = HUGGING_FACE_PREPROCESSOR_FILE;
  }
  if (configured.warnings.length > 0) graph.metadata.warnings = [...(graph.metadata.warnings ?? []), ...configured.warnings];
  return graph;
}

function decodeModel(bytes: Uint8Array, file: string): OnnxTypes.ModelProto {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelImportError(file, `not a valid ONNX model; the protobuf could not be decoded (${(error as Error).message}). The file may be truncated or not ONNX.`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new ModelImportError(file, 'not a valid ONNX model: it contains no graph nodes. The file may be truncated or not ONNX.');
  }
  return model;
}

function defaultOpset(model: OnnxTypes.ModelProto, file: string): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = entry ? toNumber(entry.version as Int64) : 1;
  if (opset < ONNX_OPSET_RANGE.min || opset > ONNX_OPSET_RANGE.max) {
    throw new ModelImportError(
      file,
      `ONNX opset ${opset} is not supported (supported: ${ONNX_OPSET_RANGE.min}–${ONNX_OPSET_RANGE.max}). Convert the model with onnx.version_converter.`,
    );
  }
  return opset;
}

async function decodeNodes(
  protoGraph: OnnxTypes.IGraphProto,
  opset: number,
  file: string,
  source: ModelSource,
  legacySoftmax: Set<Node>,
): Promise<Node[]> {
  const nodes: Node[] = [];
  const usedNames = new Set<string>();
  for (const [index, proto] of (protoGraph.node ?? []).entries()) {
    const opType = proto.domain && proto.domain !== 'ai.onnx' ? `${proto.domain}.${proto.opType}` : (proto.opType ?? '');
    let name = proto.name || `${opType}_${index}`;
    if (usedNames.has(name)) name = `${name}_${index}`;
    usedNames.add(name);

    const attributes: Node['attributes'] = {};
    for (const attribute of proto.attribute ?? []) {
      const value = await decodeAttribute(attribute, file, source);
      if (value !== null) attributes[attribute.name ?? ''] = value;
    }
    const node: Node = { name, opType, inputs: [...(proto.input ?? [])], outputs: [...(proto.output ?? [])], attributes };

    if (opType === 'Softmax' && opset < 13) legacySoftmax.add(node);
    if (opType === 'Dropout') node.outputs = node.outputs.slice(0, 1);
    nodes.push(node);
  }
  return nodes;
}

function checkSupported(nodes: Node[], file: string): void {
  const unsupported = new Map<string, string[]>();
  for (const node of nodes) {
    if (SUPPORTED_OPERATORS.has(node.opType) && !node.opType.startsWith('offshelf.')) continue;
    const names = unsupported.get(node.opType) ?? [];
    names.push(node.name);
    unsupported.set(node.opType, names);
  }
  if (unsupported.size === 0) return;

  const list = [...unsupported].map(([op, names]) => `${op} (${names.length}×, first: '${names[0]}')`).join(', ');
  throw new ModelImportError(file, `unsupported operators: ${list}. Supported: ${[...SUPPORTED_OPERATORS].filter((o) => !o.startsWith('offshelf.')).join(', ')}.`);
}

function hoistConstants(graph: Graph, file: string): void {
  graph.nodes = graph.nodes.filter((node) => {
    if (node.opType !== 'Constant') return true;
    const tensor = constantNodeValue(node, file);
    graph.initializers.set(tensor.name, tensor);
    return false;
  });
}

function decodeValueInfo(value: OnnxTypes.IValueInfoProto, file: string): ValueInfo {
  const tensorType = value.type?.tensorType;
  const name = value.name ?? '';
  const dataType = dataTypeFromOnnx(tensorType?.elemType ?? 1);
  if (!dataType) throw new ModelImportError(file, `value '${name}' has element type ${tensorType?.elemType}, which is not supported.`);
  const shape: Dim[] = (tensorType?.shape?.dim ?? []).map((dim, i) => {
    if (dim.dimParam) return dim.dimParam;
    if (dim.dimValue !== null && dim.dimValue !== undefined) return toNumber(dim.dimValue as Int64);
    return i === 0 ? 'N' : `${name}_dim${i}`;
  });
  return { name, dataType, shape };
}

/**
 * Softmax before opset 13 flattens the input to 2-D at `axis` (default 1) and normalizes each
 * row. When `axis` is the last dimension, that equals the opset-13 form. Otherwise the node becomes
 * Flatten(axis) → Softmax(last axis) → Reshape back, and Flatten and Reshape are free views.
 */
function resolveLegacySoftmax(graph: Graph, nodes: Set<Node>, shapes: Map<string, Dim[]>, file: string): void {
  for (const node of nodes) {
    const shape = shapes.get(node.inputs[0]!)!;
    const rank = shape.length;
    const axis = normalizeAxis(typeof node.attributes.axis === 'number' ? node.attributes.axis : 1, rank);
    node.attributes.axis = -1;
    if (axis === rank - 1) continue;

    const symbolic = shape.filter((d) => typeof d !== 'number').length;
    if (symbolic > 1) {
      throw new ModelImportError(file, `Softmax node '${node.name}' (opset < 13, axis ${axis}) needs an input shape with at most one unknown dimension, got [${shape.join(', ')}].`);
    }
    const input = node.inputs[0]!;
    const output = node.outputs[0]!;
    const flat = `${node.name}/flattened`;
    const normalized = `${node.name}/normalized`;
    const flatten: Node = { name: `${node.name}/flatten`, opType: 'Flatten', inputs: [input], outputs: [flat], attributes: { axis } };
    const reshape: Node = {
      name: `${node.name}/reshape`,
      opType: 'Reshape',
      inputs: [normalized],
      outputs: [output],
      attributes: { shape: shape.map((d) => (typeof d === 'number' ? d : -1)) },
    };
    node.inputs = [flat];
    node.outputs = [normalized];
    const index = graph.nodes.indexOf(node);
    graph.nodes.splice(index, 1, flatten, node, reshape);
  }
}
