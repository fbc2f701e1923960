import type { Graph, ModelMetadata, Node } from '../../ir/graph';
import type { NhwcGraphBuilder } from './nhwc-builder';

/** Op types that only change a value's shape, so the value before them has the same content. */
const RESHAPING_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Identity', 'Dropout']);

/** Finds the last global average pool (the pooled embedding), or the output itself when it is a 4-D feature map. */
export function findFeatureOutput(nodes: Node[], output: string, builder: NhwcGraphBuilder): string | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (nodes[i]!.opType === 'GlobalAveragePool') return nodes[i]!.outputs[0];
  }
  return builder.shape(output).length === 4 ? output : undefined;
}

/**
 * Finds the logits: the input of a softmax that produces an output (looking
 * through reshapes after it), or an output computed by a Gemm.
 */
export function findLogits(nodes: Node[], outputs: string[]): string | undefined {
  const producer = new Map(nodes.map((node) => [node.outputs[0]!, node]));
  for (const output of outputs) {
    let node = producer.get(output);
    for (let steps = 0; node !== undefined && RESHAPING_OPS.has(node.opType) && steps < nodes.length; steps++) node = producer.get(node.inputs[0]!);
    if (node?.opType === 'Softmax') return node.inputs[0];
    if (node?.opType === 'Gemm') return node.outputs[0];
  }
  return undefined;
}

/**
 * Assembles the graph from a builder: the file's outputs, then the pooled
 * features and the logits (when found) as extra outputs so the runner can return them.
 */
export function assembleGraph(
  builder: NhwcGraphBuilder,
  name: string,
  input: string,
  fileOutputs: string[],
  metadata: Omit<ModelMetadata, 'featureOutput' | 'classifierOutput'>,
): Graph {
  if (fileOutputs.length === 0) builder.fail('the model declares no outputs');

  // An output that is the input itself (a model of only no-ops) still needs a node producing it.
  const outputs = fileOutputs.map((value) => (value === input ? builder.node('Identity', [value], {}, `${value}/output`, builder.shape(value)) : value));
  const featureOutput = findFeatureOutput(builder.nodes, outputs[0]!, builder);
  const classifierOutput = findLogits(builder.nodes, outputs);
  const exposed = [...new Set([...outputs, ...(featureOutput ? [featureOutput] : []), ...(classifierOutput ? [classifierOutput] : [])])];

  return {
    name,
    inputs: [builder.valueInfo.get(input)!],
    outputs: exposed.map((value) => builder.valueInfo.get(value)!),
    initializers: builder.initializers,
    nodes: builder.nodes,
    valueInfo: builder.valueInfo,
    metadata: {
      ...metadata,
      ...(featureOutput ? { featureOutput } : {}),
      ...(classifierOutput ? { classifierOutput } : {}),
    },
  };
}
