import type { Graph } from '../../ir/graph';
import { assembleGraph } from '../tflite/model-outputs';
import { NhwcGraphBuilder } from '../tflite/nhwc-builder';
import { convertGraphNode, producerOf, type GraphContext, type GraphDefNode } from './graph-ops';
import { imagePreprocessing } from './preprocessing';
import type { TfjsWeight } from './weights';

/**
 * Converts a TF.js graph model (a TensorFlow GraphDef in JSON, NHWC) with its
 * decoded weights into the IR. Const nodes take their values from the weights.
 */
export function graphModelToGraph(modelJson: Record<string, unknown>, weights: Map<string, TfjsWeight>, file: string): Graph {
  const builder = new NhwcGraphBuilder(file);
  const topology = (modelJson.modelTopology ?? {}) as { node?: unknown };
  if (!Array.isArray(topology.node) || topology.node.length === 0) builder.fail('modelTopology.node is missing or empty; is this a TF.js graph model?');
  const nodes = (topology.node as unknown[]).map((node, index) => checkNode(builder, node, index));
  const ordered = topologicalOrder(builder, nodes);

  const context: GraphContext = { builder, weights, values: new Map(), constants: new Map(), inputs: [] };
  for (const node of ordered) convertGraphNode(context, node);
  if (context.inputs.length !== 1) builder.fail(`the model has ${context.inputs.length} Placeholder inputs; only single-input image models are supported`);
  const input = context.inputs[0]!;

  const outputs = outputNodeNames(modelJson, nodes).map((name): string => {
    const value = context.values.get(name);
    if (value === undefined) return builder.fail(`output '${name}' is not a computed value`);
    return value;
  });

  const inputShape = builder.shape(input);
  return assembleGraph(builder, file, input, outputs, {
    sourceFormat: 'tfjs-graph',
    sourceName: file,
    preprocessing: imagePreprocessing(inputShape[1]!, inputShape[2]!),
    properties: { generatedBy: String(modelJson.generatedBy ?? ''), convertedBy: String(modelJson.convertedBy ?? '') },
  });
}

function checkNode(builder: NhwcGraphBuilder, node: unknown, index: number): GraphDefNode {
  const candidate = node as Partial<GraphDefNode> | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.name !== 'string' || typeof candidate.op !== 'string') {
    builder.fail(`GraphDef node ${index} needs a string name and op`);
  }
  const inputs = candidate.input ?? [];
  if (!Array.isArray(inputs) || !inputs.every((i) => typeof i === 'string')) builder.fail(`GraphDef node '${candidate.name}' has invalid inputs`);
  const attr = candidate.attr ?? {};
  if (typeof attr !== 'object' || attr === null) builder.fail(`GraphDef node '${candidate.name}' has invalid attributes`);
  return { name: candidate.name, op: candidate.op, input: inputs, attr };
}

/** Kahn's algorithm over data and control edges; GraphDef does not promise an order. */
function topologicalOrder(builder: NhwcGraphBuilder, nodes: GraphDefNode[]): GraphDefNode[] {
  const byName = new Map<string, GraphDefNode>();
  for (const node of nodes) {
    if (byName.has(node.name)) builder.fail(`GraphDef has two nodes named '${node.name}'`);
    byName.set(node.name, node);
  }

  const pendingInputs = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const node of nodes) {
    const producers = new Set(node.input.map((reference) => producerOf(reference).name));
    for (const producer of producers) {
      if (!byName.has(producer)) builder.fail(`node '${node.name}' reads '${producer}', which is not in the graph`);
      const list = consumers.get(producer);
      if (list === undefined) consumers.set(producer, [node.name]);
      else list.push(node.name);
    }
    pendingInputs.set(node.name, producers.size);
  }

  // `ordered` doubles as the queue: nodes at index >= `next` are ready but not yet expanded.
  const ordered = nodes.filter((node) => pendingInputs.get(node.name) === 0);
  for (let next = 0; next < ordered.length; next++) {
    for (const consumer of consumers.get(ordered[next]!.name) ?? []) {
      const remaining = pendingInputs.get(consumer)! - 1;
      pendingInputs.set(consumer, remaining);
      if (remaining === 0) ordered.push(byName.get(consumer)!);
    }
  }
  if (ordered.length !== nodes.length) builder.fail(`the GraphDef has a cycle through ${nodes.length - ordered.length} nodes`);
  return ordered;
}

/** Output nodes from the signature (`userDefinedMetadata.signature.outputs`), else the nodes nothing reads. */
function outputNodeNames(modelJson: Record<string, unknown>, nodes: GraphDefNode[]): string[] {
  const signature = ((modelJson.userDefinedMetadata ?? modelJson.signature) as { signature?: { outputs?: Record<string, { name?: string }> } } | undefined)?.signature;
  const declared = Object.values(signature?.outputs ?? {})
    .map((output) => output.name)
    .filter((name): name is string => typeof name === 'string')
    .map((name) => producerOf(name).name);
  if (declared.length > 0) return declared;

  const consumed = new Set(nodes.flatMap((node) => node.input.map((reference) => producerOf(reference).name)));
  return nodes.filter((node) => !consumed.has(node.name) && node.op !== 'Const' && node.op !== 'NoOp').map((node) => node.name);
}
