import type { AttributeValue } from '../../ir/graph';
import type { ModelSource } from '../../source';
import { onnx, toNumber, type Int64, type OnnxTypes } from './proto';
import { decodeTensor } from './tensor';

const AttributeType = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder();

/** Converts an ONNX attribute to its IR value; graph and sparse attributes return null (no supported op uses them). */
export async function decodeAttribute(
  attribute: OnnxTypes.IAttributeProto,
  file: string,
  source?: Pick<ModelSource, 'readSibling'>,
): Promise<AttributeValue | null> {
  switch (attribute.type) {
    case AttributeType.INT:
      return toNumber(attribute.i as Int64);
    case AttributeType.FLOAT:
      return attribute.f ?? 0;
    case AttributeType.STRING:
      return utf8.decode(attribute.s ?? new Uint8Array());
    case AttributeType.INTS:
      return (attribute.ints ?? []).map((v) => toNumber(v as Int64));
    case AttributeType.FLOATS:
      return [...(attribute.floats ?? [])];
    case AttributeType.STRINGS:
      return (attribute.strings ?? []).map((s) => utf8.decode(s));
    case AttributeType.TENSOR:
      return attribute.t ? decodeTensor(attribute.t, file, source) : null;
    default:
      return null;
  }
}
