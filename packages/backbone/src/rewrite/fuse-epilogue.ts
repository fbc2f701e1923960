import type { Graph, Node } from '../ir/graph';
import { activationOf, setFusedActivation } from './fused-activation';
import { graphEdges, isPrivateValue, type GraphEdges } from './graph-edges';

/**
 * Turns Conv into `offshelf.FusedConv` and Gemm into `offshelf.FusedGemm`, then fuses into
 * their epilogues: a following activation (Relu, Clip, HardSwish, HardSigmoid, Sigmoid,
 * LeakyRelu, Tanh), and for convolutions a residual Add whose other operand has the same
 * shape and is computed earlier. FusedConv inputs: X, W, [B], [residual]; attributes: Conv's,
 * plus `activation`, `activation_params` and `residual` ('none' | 'beforeActivation' | 'afterActivation').
 */
export function fuseEpilogues(graph: Graph, protectedValues: ReadonlySet<string>): void {
  for (const node of graph.nodes) {
    if (node.opType === 'Conv') {
      node.opType = 'offshelf.FusedConv';
      node.attributes.residual = 'none';
      node.attributes.activation = 'none';
    } else if (node.opType === 'Gemm') {
      node.opType = 'offshelf.FusedGemm';
      node.attributes.activation = 'none';
    }
  }

  let changed = true;
  while (changed) {
    changed = false;
    const edges = graphEdges(graph);
    const removed = new Set<Node>();
    for (const node of graph.nodes) {
      if (removed.has(node) || !node.opType.startsWith('offshelf.Fused')) continue;
      const absorbed = fuseActivation(node, edges, protectedValues) ?? fuseResidual(graph, node, edges, protectedValues);
      if (absorbed) {
        removed.add(absorbed);
        changed = true;
      }
    }
    graph.nodes = graph.nodes.filter((node) => !removed.has(node));
  }
}

/** Absorbs the single activation that reads `node`'s output; returns the absorbed node. */
function fuseActivation(node: Node, edges: GraphEdges, protectedValues: ReadonlySet<string>): Node | null {
  if (node.attributes.activation !== 'none') return null;
  const output = node.outputs[0]!;
  if (!isPrivateValue(edges, output, protectedValues)) return null;

  const consumer = edges.consumers.get(output)![0]!;
  const activation = activationOf(consumer);
  if (!activation) return null;

  setFusedActivation(node, activation);
  node.outputs = [consumer.outputs[0]!];
  return consumer;
}

/** Absorbs the residual Add that reads `node`'s output; returns the absorbed node. */
function fuseResidual(graph: Graph, node: Node, edges: GraphEdges, protectedValues: ReadonlySet<string>): Node | null {
  if (node.opType !== 'offshelf.FusedConv' || node.attributes.residual !== 'none') return null;
  const output = node.outputs[0]!;
  if (!isPrivateValue(edges, output, protectedValues)) return null;

  const add = edges.consumers.get(output)![0]!;
  if (add.opType !== 'Add' || add.inputs[0] === add.inputs[1]) return null;
  const other = add.inputs[0] === output ? add.inputs[1]! : add.inputs[0]!;

  // The other operand must exist before the convolution runs, and match the output shape exactly (no broadcasting).
  const otherProducer = edges.producer.get(other);
  const isEarlier = otherProducer ? edges.order.get(otherProducer)! < edges.order.get(node)! : graph.inputs.some((i) => i.name === other);
  if (!isEarlier) return null;
  const outputShape = graph.valueInfo.get(output)?.shape;
  const otherShape = graph.valueInfo.get(other)?.shape;
  if (!outputShape || !otherShape || outputShape.length !== otherShape.length || outputShape.some((d, i) => d !== otherShape[i])) return null;

  node.attributes.residual = node.attributes.activation === 'none' ? 'beforeActivation' : 'afterActivation';
  const inputs = [node.inputs[0]!, node.inputs[1]!, node.inputs[2] ?? ''];
  node.inputs = [...inputs, other];
  node.outputs = [add.outputs[0]!];
  return add;
}
