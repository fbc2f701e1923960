import { ModelImportError, type AttributeValue, type Initializer, type Node } from '../../ir/graph';

/** Turns a Constant node's value attribute (`value`, `value_float(s)`, `value_int(s)`) into a tensor named after its output. */
export function constantNodeValue(node: Node, file: string): Initializer {
  const name = node.outputs[0]!;
  const attributes: Record<string, AttributeValue> = node.attributes;

  const tensor = attributes.value;
  if (tensor && typeof tensor === 'object' && !Array.isArray(tensor)) return { ...tensor, name };

  if (typeof attributes.value_float === 'number') {
    return { name, dataType: 'float32', shape: [], data: Float32Array.of(attributes.value_float) };
  }
  if (Array.isArray(attributes.value_floats)) {
    const values = attributes.value_floats as number[];
    return { name, dataType: 'float32', shape: [values.length], data: Float32Array.from(values) };
  }
  if (typeof attributes.value_int === 'number') {
    return { name, dataType: 'int64', shape: [], data: BigInt64Array.of(BigInt(attributes.value_int)) };
  }
  if (Array.isArray(attributes.value_ints)) {
    const values = attributes.value_ints as number[];
    return { name, dataType: 'int64', shape: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) };
  }
  throw new ModelImportError(file, `Constant node '${node.name}' has no supported value attribute (value, value_float(s), value_int(s)).`);
}
