import type { Node } from './graph';

/** Returns a numeric attribute, or `fallback` when it is absent. */
export function numberAttribute(node: Node, name: string, fallback: number): number {
  const value = node.attributes[name];
  return typeof value === 'number' ? value : fallback;
}

/** Returns an integer-list attribute, or `fallback` when it is absent. */
export function numbersAttribute(node: Node, name: string, fallback: number[]): number[] {
  const value = node.attributes[name];
  return Array.isArray(value) ? (value as number[]) : fallback;
}

/** Returns a string attribute, or `fallback` when it is absent. */
export function stringAttribute(node: Node, name: string, fallback: string): string {
  const value = node.attributes[name];
  return typeof value === 'string' ? value : fallback;
}
