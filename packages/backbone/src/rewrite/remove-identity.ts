import type { Graph } from '../ir/graph';
import { renameInput } from './graph-edges';

/**
 * Removes Identity and inference-mode Dropout nodes by pointing their readers at their input.
 * A node whose output is protected (a graph output or a requested tap) stays, and the runner
 * treats it as a view, so it costs no copy either.
 */
export function removeIdentity(graph: Graph, protectedValues: ReadonlySet<string>): void {
  graph.nodes = graph.nodes.filter((node) => {
    if (node.opType !== 'Identity' && node.opType !== 'Dropout') return true;
    const output = node.outputs[0]!;
    if (protectedValues.has(output)) return true;
    renameInput(graph, output, node.inputs[0]!);
    return false;
  });
}
