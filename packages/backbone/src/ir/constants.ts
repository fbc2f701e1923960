import type { Graph, Initializer } from './graph';

/** Returns the values of an integer or float tensor as numbers (shape operands, axes, pads). */
export function tensorToNumbers(tensor: Initializer): number[] {
  if (tensor.data instanceof BigInt64Array) return Array.from(tensor.data, (v) => Number(v));
  return Array.from(tensor.data as ArrayLike<number>);
}

/** Returns the constant tensor named `name`, or undefined when it is computed at run time or omitted. */
export function constantOf(graph: Pick<Graph, 'initializers'>, name: string | undefined): Initializer | undefined {
  if (!name) return undefined;
  return graph.initializers.get(name);
}

/** Returns the number of elements of a fully known shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
