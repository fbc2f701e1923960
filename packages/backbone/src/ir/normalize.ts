import { tensorToNumbers } from './constants';
import { ModelImportError, type Graph, type Node } from './graph';

/**
 * Moves constant operands that newer opsets pass as inputs into the attributes that older
 * opsets used, so shape inference and the runner read one form:
 * Clip min/max (opset 11+), ReduceMean axes (18+), Pad pads/constant_value/axes (11+, 18+),
 * Squeeze/Unsqueeze axes (13+) and Reshape shape (as a `shape` attribute, which Reshape had before opset 5).
 * Throws `ModelImportError` when such an operand is computed at run time.
 */
export function moveConstantOperandsToAttributes(graph: Graph, file: string): void {
  for (const node of graph.nodes) {
    switch (node.opType) {
      case 'Clip':
        if (node.inputs.length > 1) {
          const min = optionalScalar(graph, node, 1, file);
          const max = optionalScalar(graph, node, 2, file);
          node.attributes.min = min ?? -Infinity;
          node.attributes.max = max ?? Infinity;
          node.inputs = [node.inputs[0]!];
        }
        break;
      case 'ReduceMean':
      case 'Squeeze':
      case 'Unsqueeze':
        if (node.inputs.length > 1) {
          const axes = optionalValues(graph, node, 1, file);
          if (axes) node.attributes.axes = axes;
          node.inputs = [node.inputs[0]!];
        }
        break;
      case 'Reshape':
        if (node.inputs.length > 1) {
          node.attributes.shape = requiredValues(graph, node, 1, file);
          node.inputs = [node.inputs[0]!];
        }
        break;
      case 'Pad':
        if (node.inputs.length > 1) movePadOperands(graph, node, file);
        break;
    }
  }
}

function movePadOperands(graph: Graph, node: Node, file: string): void {
  const pads = requiredValues(graph, node, 1, file);
  const value = optionalScalar(graph, node, 2, file) ?? 0;
  const axes = optionalValues(graph, node, 3, file);
  node.attributes.pads = pads;
  node.attributes.value = value;
  if (axes) node.attributes.axes = axes;
  node.inputs = [node.inputs[0]!];
}

function optionalValues(graph: Graph, node: Node, index: number, file: string): number[] | undefined {
  const name = node.inputs[index];
  if (!name) return undefined;
  const tensor = graph.initializers.get(name);
  if (!tensor) {
    throw new ModelImportError(
      file,
      `node '${node.name}' (${node.opType}) takes input ${index} '${name}' from a computed value; only constant operands are supported there.`,
    );
  }
  return tensorToNumbers(tensor);
}

function requiredValues(graph: Graph, node: Node, index: number, file: string): number[] {
  const values = optionalValues(graph, node, index, file);
  if (!values) throw new ModelImportError(file, `node '${node.name}' (${node.opType}) is missing its input ${index}.`);
  return values;
}

function optionalScalar(graph: Graph, node: Node, index: number, file: string): number | undefined {
  return optionalValues(graph, node, index, file)?.[0];
}
