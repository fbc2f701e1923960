import type { NhwcGraphBuilder } from '../tflite/nhwc-builder';

/** One GraphDef node as the TF.js converter writes it to JSON. */
export interface GraphDefNode {
  name: string;
  op: string;
  input: string[];
  /** Attribute values in protobuf JSON: strings are base64, 64-bit integers are strings. */
  attr: Record<string, unknown>;
}

/**
 * Typed reads of GraphDef attributes. The JSON comes from the file, so each read
 * checks the value's type and raises `ModelImportError` (through `builder.fail`)
 * for a malformed one instead of letting a TypeError escape.
 */
export class GraphAttributes {
  constructor(
    private readonly builder: NhwcGraphBuilder,
    private readonly node: GraphDefNode,
  ) {}

  private field(key: string, kind: string): unknown {
    const value = this.node.attr[key];
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object') this.invalid(key, value);
    return (value as Record<string, unknown>)[kind];
  }

  private invalid(key: string, value: unknown): never {
    return this.builder.fail(`node '${this.node.name}' (${this.node.op}) has an invalid attribute ${key}: ${JSON.stringify(value)?.slice(0, 100)}`);
  }

  private decode(key: string, base64: unknown): string {
    if (typeof base64 !== 'string') return this.invalid(key, base64);
    try {
      return atob(base64);
    } catch {
      return this.invalid(key, base64);
    }
  }

  /** Returns a string attribute (`s`, base64 in the JSON), or undefined when absent. */
  string(key: string): string | undefined {
    const value = this.field(key, 's');
    return value === undefined ? undefined : this.decode(key, value);
  }

  /** Returns a list of strings (`list.s`), empty when absent. */
  strings(key: string): string[] {
    const list = this.list(key, 's');
    return list.map((item) => this.decode(key, item));
  }

  /** Returns a list of integers (`list.i`, numbers or decimal strings), empty when absent. */
  ints(key: string): number[] {
    return this.list(key, 'i').map((item) => {
      const value = Number(item);
      if ((typeof item !== 'string' && typeof item !== 'number') || !Number.isSafeInteger(value)) this.invalid(key, item);
      return value;
    });
  }

  /** Returns a boolean attribute (`b`), false when absent. */
  bool(key: string): boolean {
    const value = this.field(key, 'b');
    if (value !== undefined && typeof value !== 'boolean') this.invalid(key, value);
    return value === true;
  }

  /** Returns a float attribute (`f`), or `fallback` when absent. */
  float(key: string, fallback: number): number {
    const value = this.field(key, 'f');
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.invalid(key, value);
    return value;
  }

  /** Returns the dimensions of a shape attribute (`shape.dim[].size`), with -1 for unknown sizes. */
  shape(key: string): number[] {
    const shape = this.field(key, 'shape');
    if (shape === undefined) return [];
    const dims = (shape as { dim?: unknown } | null)?.dim ?? [];
    if (!Array.isArray(dims)) return this.invalid(key, shape);
    return dims.map((dim) => {
      const size = Number((dim as { size?: unknown } | null)?.size ?? -1);
      if (!Number.isSafeInteger(size)) this.invalid(key, dim);
      return size;
    });
  }

  private list(key: string, kind: string): unknown[] {
    const list = this.field(key, 'list');
    if (list === undefined) return [];
    if (list === null || typeof list !== 'object') return this.invalid(key, list);
    const items = (list as Record<string, unknown>)[kind] ?? [];
    if (!Array.isArray(items)) return this.invalid(key, items);
    return items;
  }
}
