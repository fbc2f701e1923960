import type { Graph, Node } from '../ir/graph';

/** Producer and consumers of each value, for the rewrite passes. */
export interface GraphEdges {
  producer: Map<string, Node>;
  consumers: Map<string, Node[]>;
  /** Position of each node in `graph.nodes`. */
  order: Map<Node, number>;
}

/** Indexes which node produces and which nodes read each value. */
export function graphEdges(graph: Graph): GraphEdges {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  const order = new Map<Node, number>();
  graph.nodes.forEach((node, index) => {
    order.set(node, index);
    for (const output of node.outputs) producer.set(output, node);
    for (const input of node.inputs) {
      if (!input) continue;
      const list = consumers.get(input) ?? [];
      list.push(node);
      consumers.set(input, list);
    }
  });
  return { producer, consumers, order };
}

/**
 * True when `value` may disappear into a fused node: one consumer, and neither a graph
 * output nor a value the caller asked to keep.
 */
export function isPrivateValue(edges: GraphEdges, value: string, protectedValues: ReadonlySet<string>): boolean {
  return !protectedValues.has(value) && (edges.consumers.get(value)?.length ?? 0) === 1;
}

/** Replaces every read of `from` with `to`. */
export function renameInput(graph: Graph, from: string, to: string): void {
  for (const node of graph.nodes) node.inputs = node.inputs.map((input) => (input === from ? to : input));
}
