import type { Initializer } from '../../ir/graph';

/**
 * Encodes tensors as a safetensors file: float32 as F32, int64 as I64, int32 as I32, in the
 * given order. The header is padded with spaces to a multiple of 8 bytes, as the reference
 * writer does, so tensor data starts aligned.
 */
export function writeSafetensors(tensors: Iterable<Initializer>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;

  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[tensor.name] = { dtype: dtypeOf(tensor), shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);

  const file = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const chunk of chunks) {
    file.set(chunk, position);
    position += chunk.length;
  }
  return file;
}

function dtypeOf(tensor: Initializer): string {
  switch (tensor.dataType) {
    case 'float32':
      return 'F32';
    case 'int64':
      return 'I64';
    case 'int32':
      return 'I32';
    default:
      throw new Error(`tensor '${tensor.name}' has type ${tensor.dataType}; writeSafetensors supports float32, int64 and int32.`);
  }
}
