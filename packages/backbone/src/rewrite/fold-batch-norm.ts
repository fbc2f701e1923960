import { numberAttribute } from '../ir/attributes';
import type { Graph, Node } from '../ir/graph';
import { graphEdges, isPrivateValue } from './graph-edges';

/**
 * Folds inference-mode BatchNormalization into the Conv that produces its input:
 * with s = gamma / sqrt(var + epsilon), W'[o] = W[o] · s[o] and b'[o] = (b[o] − mean[o]) · s[o] + beta[o].
 * A batch norm that follows anything else stays, and runs as its own kernel.
 * Folding in float64 and rounding once keeps the result within float32 rounding of the original.
 */
export function foldBatchNorm(graph: Graph, protectedValues: ReadonlySet<string>): void {
  const edges = graphEdges(graph);
  const replaced = new Set<Node>();

  for (const node of graph.nodes) {
    if (node.opType !== 'BatchNormalization') continue;
    const params = batchNormParameters(graph, node);
    if (!params) continue;

    const conv = edges.producer.get(node.inputs[0]!);
    const canFold =
      conv?.opType === 'Conv' &&
      isPrivateValue(edges, node.inputs[0]!, protectedValues) &&
      graph.initializers.has(conv.inputs[1]!) &&
      (!conv.inputs[2] || graph.initializers.has(conv.inputs[2]));
    if (canFold) {
      foldIntoConv(graph, conv!, node, params);
      replaced.add(node);
    }
  }

  graph.nodes = graph.nodes.filter((node) => !replaced.has(node));
}

interface BatchNormParameters {
  scale: Float64Array;
  shift: Float64Array;
}

/** Per-channel scale and shift of y = x · scale + shift, or null when an operand is not constant. */
function batchNormParameters(graph: Graph, node: Node): BatchNormParameters | null {
  const [gamma, beta, mean, variance] = node.inputs.slice(1, 5).map((name) => graph.initializers.get(name));
  if (!gamma || !beta || !mean || !variance) return null;

  const epsilon = numberAttribute(node, 'epsilon', 1e-5);
  const channels = gamma.data.length;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = Number(gamma.data[c]) / Math.sqrt(Number(variance.data[c]) + epsilon);
    shift[c] = Number(beta.data[c]) - Number(mean.data[c]) * scale[c]!;
  }
  return { scale, shift };
}

function foldIntoConv(graph: Graph, conv: Node, batchNorm: Node, { scale, shift }: BatchNormParameters): void {
  const weights = graph.initializers.get(conv.inputs[1]!)!;
  const bias = conv.inputs[2] ? graph.initializers.get(conv.inputs[2]) : undefined;
  const channels = scale.length;
  const perChannel = weights.data.length / channels;

  const folded = new Float32Array(weights.data.length);
  for (let i = 0; i < folded.length; i++) folded[i] = Number(weights.data[i]) * scale[Math.floor(i / perChannel)]!;
  const foldedBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) foldedBias[c] = (bias ? Number(bias.data[c]) : 0) * scale[c]! + shift[c]!;

  // New initializers, because the originals may be shared with other nodes.
  const weightName = `${conv.name}/folded_weight`;
  const biasName = `${conv.name}/folded_bias`;
  graph.initializers.set(weightName, { ...weights, name: weightName, dataType: 'float32', data: folded });
  graph.initializers.set(biasName, { name: biasName, dataType: 'float32', shape: [channels], data: foldedBias });
  conv.inputs = [conv.inputs[0]!, weightName, biasName];
  conv.outputs = [batchNorm.outputs[0]!];
}
