import { errorReason, ModelImportError } from '../../ir/graph';
import type { ModelSource } from '../../source';
import { float16ToNumber } from '../tflite/tensor-data';

/** One decoded weight: float32 values in the source (TensorFlow) layout. */
export interface TfjsWeight {
  name: string;
  shape: number[];
  /** The manifest's dtype (float32, int32 or bool), before any dequantization. */
  dtype: string;
  data: Float32Array;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

const DTYPE_SIZE: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_SIZE: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/**
 * Reads the weight shards listed in a TF.js `weightsManifest` and decodes every
 * weight to float32.
 *
 * Each group's shard files are concatenated in manifest order and its weights
 * are read one after another from that buffer, little-endian. Quantized weights
 * are dequantized as value = q × scale + min (uint8, uint16) or decoded from
 * float16. A weight whose declared size runs past its group's bytes is rejected
 * before anything is allocated for it.
 */
export async function readTfjsWeights(manifest: unknown, source: ModelSource): Promise<Map<string, TfjsWeight>> {
  const file = source.name;
  const fail = (message: string): never => {
    throw new ModelImportError(file, message);
  };
  if (!Array.isArray(manifest)) fail('`weightsManifest` is missing or not an array');

  const weights = new Map<string, TfjsWeight>();
  for (const [groupIndex, group] of (manifest as unknown[]).entries()) {
    const { paths, weights: specs } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(specs)) {
      fail(`weightsManifest group ${groupIndex} needs \`paths\` (strings) and \`weights\` (an array)`);
    }
    const bytes = await readGroup(paths as string[], source);
    let offset = 0;
    for (const spec of specs as unknown[]) {
      const weight = checkSpec(spec, groupIndex, fail);
      const { data, byteLength } = decodeWeight(weight, bytes, offset, fail);
      weights.set(weight.name, { name: weight.name, shape: weight.shape, dtype: weight.dtype, data });
      offset += byteLength;
    }
  }
  return weights;
}

async function readGroup(paths: string[], source: ModelSource): Promise<Uint8Array> {
  const shards: Uint8Array[] = [];
  for (const path of paths) {
    try {
      shards.push(await source.readSibling(path));
    } catch (error) {
      throw new ModelImportError(source.name, `cannot read weight shard '${path}': ${errorReason(error)}`);
    }
  }
  if (shards.length === 1) return shards[0]!;

  const total = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    bytes.set(shard, offset);
    offset += shard.byteLength;
  }
  return bytes;
}

function checkSpec(spec: unknown, groupIndex: number, fail: (message: string) => never): WeightSpec {
  const candidate = (spec ?? {}) as Partial<WeightSpec>;
  const validShape = Array.isArray(candidate.shape) && candidate.shape.every((d) => Number.isInteger(d) && d >= 0);
  if (typeof candidate.name !== 'string' || !validShape || typeof candidate.dtype !== 'string') {
    fail(`weightsManifest group ${groupIndex} has an invalid weight entry ${JSON.stringify(spec)?.slice(0, 200)}; each needs name, shape and dtype`);
  }
  return candidate as WeightSpec;
}

function decodeWeight(spec: WeightSpec, bytes: Uint8Array, offset: number, fail: (message: string) => never): { data: Float32Array; byteLength: number } {
  const quantization = spec.quantization;
  const elementSize = quantization ? QUANTIZED_SIZE[quantization.dtype] : DTYPE_SIZE[spec.dtype];
  if (elementSize === undefined) {
    fail(`weight '${spec.name}' has unsupported dtype ${quantization ? `${quantization.dtype} (quantized)` : spec.dtype}; supported: float32, int32, bool, and uint8/uint16/float16 quantization`);
  }

  // The product is compared with the bytes present before allocating, so a corrupt shape cannot allocate without bound.
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const byteLength = count * elementSize;
  if (offset + byteLength > bytes.byteLength) {
    fail(`weight '${spec.name}' with shape [${spec.shape.join(', ')}] needs bytes ${offset}..${offset + byteLength}, but its shards hold ${bytes.byteLength} bytes; a shard is missing or truncated`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, byteLength);
  const data = new Float32Array(count);
  if (quantization === undefined) {
    for (let i = 0; i < count; i++) {
      data[i] = spec.dtype === 'float32' ? view.getFloat32(4 * i, true) : spec.dtype === 'int32' ? view.getInt32(4 * i, true) : view.getUint8(i);
    }
  } else if (quantization.dtype === 'float16') {
    for (let i = 0; i < count; i++) data[i] = float16ToNumber(view.getUint16(2 * i, true));
  } else {
    const { min, scale } = quantization;
    if (typeof min !== 'number' || typeof scale !== 'number') fail(`weight '${spec.name}' is ${quantization.dtype}-quantized but lacks numeric min and scale`);
    for (let i = 0; i < count; i++) {
      const q = quantization.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true);
      data[i] = q * scale + min;
    }
  }
  return { data, byteLength };
}
