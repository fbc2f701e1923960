import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ModelImportError, type Graph } from '../src/ir/graph';
import { tfliteToGraph } from '../src/import/tflite/import';
import { importOnnx } from '../src/import/onnx/import-onnx';
import { compareTensors } from './helpers/compare';
import { CORAL_ONNX, fileSource, SHARED } from './helpers/file-source';

const CORAL = join(SHARED, 'models/coral');
const hasModels = existsSync(join(CORAL, 'mobilenet_v1_0.25_128_quant.tflite'));
const PYTHON = '/usr/bin/python3';
const hasNumpy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function importCoral(file: string): Graph {
  return tfliteToGraph(new Uint8Array(readFileSync(join(CORAL, file))), file);
}

function countOps(graph: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graph.nodes) counts[node.opType] = (counts[node.opType] ?? 0) + 1;
  return counts;
}

function depthwiseCount(graph: Graph): number {
  return graph.nodes.filter((node) => node.opType === 'Conv' && Number(node.attributes.group) > 1).length;
}

/**
 * An independent decoder for the oracle: walks the flatbuffer with Python's struct module,
 * dequantizes one operator input with numpy (real = scale × (q − zero_point), per channel along
 * quantized_dimension) and prints it in the file's own layout.
 */
const DECODE_PY = `
import struct, sys, json
import numpy as np
path, op_index, input_index = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = open(path, 'rb').read()
u32 = lambda p: struct.unpack_from('<I', b, p)[0]
i32 = lambda p: struct.unpack_from('<i', b, p)[0]
def field(t, i):
    vt = t - i32(t)
    if 4 + 2 * i >= struct.unpack_from('<H', b, vt)[0]: return None
    o = struct.unpack_from('<H', b, vt + 4 + 2 * i)[0]
    return t + o if o else None
def table(t, i):
    p = field(t, i); return p + u32(p)
def vec(t, i):
    p = field(t, i)
    if p is None: return 0, 0
    v = p + u32(p); return v + 4, u32(v)
def tables(t, i):
    s, n = vec(t, i); return [s + 4 * k + u32(s + 4 * k) for k in range(n)]
root = u32(0)
sub = tables(root, 2)[0]
op = tables(sub, 3)[op_index]
s, n = vec(op, 1); tensor_index = i32(s + 4 * input_index)
tensor = tables(sub, 0)[tensor_index]
s, n = vec(tensor, 0); shape = [i32(s + 4 * k) for k in range(n)]
p = field(tensor, 1); ttype = b[p] if p else 0
buf = tables(root, 4)[u32(field(tensor, 2))]
s, n = vec(buf, 0); raw = b[s:s + n]
q = table(tensor, 4)
s, n = vec(q, 2); scale = np.frombuffer(b[s:s + 4 * n], '<f4')
s, n = vec(q, 3); zero = np.frombuffer(b[s:s + 8 * n], '<i8')
p = field(q, 6); qdim = i32(p) if p else 0
values = np.frombuffer(raw, {3: np.uint8, 9: np.int8, 2: '<i4'}[ttype]).astype(np.float64).reshape(shape)
bshape = [1] * len(shape); bshape[qdim] = -1
real = (scale.reshape(bshape) * (values - zero.reshape(bshape))).astype(np.float32)
print(json.dumps({'shape': shape, 'values': real.ravel().tolist()}))
`;

function decodeWithNumpy(file: string, operator: number, input: number): { shape: number[]; values: number[] } {
  const result = spawnSync(PYTHON, ['-c', DECODE_PY, join(CORAL, file), String(operator), String(input)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`python decoder failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { shape: number[]; values: number[] };
}

/** Transposes a row-major 4-D array with numpy's transpose semantics. */
function transpose4(values: number[], shape: number[], perm: number[]): number[] {
  const out: number[] = [];
  const outShape = perm.map((p) => shape[p]!);
  const strides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
  for (let a = 0; a < outShape[0]!; a++)
    for (let b = 0; b < outShape[1]!; b++)
      for (let c = 0; c < outShape[2]!; c++)
        for (let d = 0; d < outShape[3]!; d++) {
          const index = [a, b, c, d];
          let source = 0;
          for (let k = 0; k < 4; k++) source += index[k]! * strides[perm[k]!]!;
          out.push(values[source]!);
        }
  return out;
}

describe.skipIf(!hasModels)('TFLite import of the Coral models', () => {
  it('imports MobileNetV1 0.25/128 ops and shapes', () => {
    const graph = importCoral('mobilenet_v1_0.25_128_quant.tflite');
    expect(countOps(graph)).toEqual({ Conv: 28, Clip: 27, GlobalAveragePool: 1, Reshape: 1, Softmax: 1 });
    expect(depthwiseCount(graph)).toBe(13);
    expect(graph.inputs[0]!.shape).toEqual(['N', 3, 128, 128]);
    expect(graph.outputs[0]!.shape).toEqual(['N', 1001]);
    expect(graph.metadata.sourceFormat).toBe('tflite');
    expect(graph.metadata.preprocessing.height).toBe(128);
    expect(graph.metadata.preprocessing.sourceLayout).toBe('NHWC');
  });

  it('maps uint8 input quantization to mean and std', () => {
    // The input has scale 1/128 and zero point 128, so x = (pixel − 128) / 128.
    const { mean, std } = importCoral('mobilenet_v1_0.25_128_quant.tflite').metadata.preprocessing;
    for (let c = 0; c < 3; c++) {
      expect(mean[c]).toBeCloseTo(128 / 255, 9);
      expect(std[c]).toBeCloseTo(128 / 255, 9);
    }
  });

  it('pads stride-2 SAME convolutions at the bottom and right', () => {
    const graph = importCoral('mobilenet_v1_0.25_128_quant.tflite');
    const first = graph.nodes.find((node) => node.opType === 'Conv')!;
    expect(first.attributes.strides).toEqual([2, 2]);
    expect(first.attributes.pads).toEqual([0, 0, 1, 1]);
    const strideOneDepthwise = graph.nodes.find((node) => node.opType === 'Conv' && Number(node.attributes.group) > 1)!;
    expect(strideOneDepthwise.attributes.pads).toEqual([1, 1, 1, 1]);
  });

  it.skipIf(!hasNumpy)('dequantizes the first conv like numpy', () => {
    // Oracle: numpy on the raw flatbuffer bytes, transposed OHWI → OIHW. The tolerance is one float32 rounding.
    const graph = importCoral('mobilenet_v1_0.25_128_quant.tflite');
    const conv = graph.nodes.find((node) => node.opType === 'Conv')!;
    const weights = graph.initializers.get(conv.inputs[1]!)!;
    const reference = decodeWithNumpy('mobilenet_v1_0.25_128_quant.tflite', 0, 1);
    expect(reference.shape).toEqual([8, 3, 3, 3]);
    expect(weights.shape).toEqual([8, 3, 3, 3]);
    const error = compareTensors(weights.data as Float32Array, transpose4(reference.values, reference.shape, [0, 3, 1, 2]));
    expect(error.relative, `max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(1e-6);

    const bias = graph.initializers.get(conv.inputs[2]!)!;
    const biasReference = decodeWithNumpy('mobilenet_v1_0.25_128_quant.tflite', 0, 2);
    const biasError = compareTensors(bias.data as Float32Array, biasReference.values);
    expect(biasError.relative, `bias: max abs ${biasError.maxAbs}; ${biasError.first}`).toBeLessThan(1e-6);
  });

  it.skipIf(!hasNumpy)('dequantizes int8 per-channel depthwise weights like numpy', () => {
    // Operator 0 is QUANTIZE, 1 the first conv and 2 the first depthwise conv ([1, kh, kw, C] → [C, 1, kh, kw]).
    const graph = importCoral('tf2_mobilenet_v2_1.0_224_ptq.tflite');
    const depthwise = graph.nodes.find((node) => node.opType === 'Conv' && Number(node.attributes.group) > 1)!;
    const weights = graph.initializers.get(depthwise.inputs[1]!)!;
    const reference = decodeWithNumpy('tf2_mobilenet_v2_1.0_224_ptq.tflite', 2, 1);
    expect(reference.shape).toEqual([1, 3, 3, 32]);
    expect(weights.shape).toEqual([32, 1, 3, 3]);
    const error = compareTensors(weights.data as Float32Array, transpose4(reference.values, reference.shape, [3, 0, 1, 2]));
    expect(error.relative, `max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(1e-6);
  });

  it('reports 1024-d embedding features', () => {
    const graph = importCoral('mobilenet_v1_1.0_224_quant_embedding_extractor.tflite');
    expect(countOps(graph)).toEqual({ Conv: 27, Clip: 27, GlobalAveragePool: 1 });
    const feature = graph.metadata.featureOutput!;
    expect(graph.valueInfo.get(feature)!.shape).toEqual(['N', 1024, 1, 1]);
    expect(graph.metadata.classifierOutput).toBeUndefined();
  });

  it('imports both MobileNetV2 variants', () => {
    for (const file of ['mobilenet_v2_1.0_224_quant.tflite', 'tf2_mobilenet_v2_1.0_224_ptq.tflite']) {
      const graph = importCoral(file);
      expect(countOps(graph), file).toEqual({ Conv: 53, Clip: 35, Add: 10, GlobalAveragePool: 1, Reshape: 1, Softmax: 1 });
      expect(depthwiseCount(graph), file).toBe(17);
      expect(graph.valueInfo.get(graph.metadata.featureOutput!)!.shape, file).toEqual(['N', 1280, 1, 1]);
      expect(graph.valueInfo.get(graph.metadata.classifierOutput!)!.shape, file).toEqual(['N', 1001]);
    }
  });

  it('maps the int8 model input to [-1, 1]', () => {
    // uint8 input with scale 1/127.5 and zero point 127, requantized to int8 by a QUANTIZE op.
    const { mean, std } = importCoral('tf2_mobilenet_v2_1.0_224_ptq.tflite').metadata.preprocessing;
    expect(mean[0]).toBeCloseTo(127 / 255, 6);
    expect(std[0]).toBeCloseTo(0.5, 6);
  });

  it.skipIf(!existsSync(CORAL_ONNX))('matches every weight of the ONNX twin', async () => {
    // Oracle: the ONNX twin, whose weights numpy dequantized from the same file (OIHW, float32).
    const tflite = importCoral('mobilenet_v2_1.0_224_quant.tflite');
    const onnx = await importOnnx(fileSource(CORAL_ONNX));
    const ours = tflite.nodes.filter((node) => node.opType === 'Conv');
    const theirs = onnx.nodes.filter((node) => node.opType === 'Conv');
    expect(ours.length).toBe(theirs.length + 1);

    for (let i = 0; i < theirs.length; i++) {
      expect(ours[i]!.attributes.pads, ours[i]!.name).toEqual(theirs[i]!.attributes.pads);
      expect(ours[i]!.attributes.group, ours[i]!.name).toEqual(theirs[i]!.attributes.group ?? 1);
      for (const input of [1, 2]) {
        const actual = tflite.initializers.get(ours[i]!.inputs[input]!)!;
        const expected = onnx.initializers.get(theirs[i]!.inputs[input]!)!;
        expect(actual.shape, ours[i]!.name).toEqual(expected.shape);
        const error = compareTensors(actual.data as Float32Array, expected.data as Float32Array);
        expect(error.relative, `${ours[i]!.name} input ${input}: max abs ${error.maxAbs}; ${error.first}`).toBeLessThan(1e-6);
      }
    }
  });
});

describe('TFLite import errors', () => {
  it('rejects a file without the TFL3 identifier', () => {
    expect(() => tfliteToGraph(new Uint8Array(64), 'zeros.tflite')).toThrow(ModelImportError);
    expect(() => tfliteToGraph(new Uint8Array(64), 'zeros.tflite')).toThrow(/TFL3/);
  });

  it('escapes a binary file identifier', () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0, 0, 0, 0]);
    expect(() => tfliteToGraph(jpeg, 'fake.tflite')).toThrow("fake.tflite: file identifier is '\\x00\\x10JF', expected 'TFL3'");
  });

  it('rejects a file shorter than its header', () => {
    expect(() => tfliteToGraph(new Uint8Array([1, 2, 3]), 'short.tflite')).toThrow(/outside the 3-byte file/);
  });

  it.skipIf(!hasModels)('rejects a truncated model', () => {
    const bytes = new Uint8Array(readFileSync(join(CORAL, 'mobilenet_v1_0.25_128_quant.tflite')));
    expect(() => tfliteToGraph(bytes.subarray(0, bytes.length >> 1), 'half.tflite')).toThrow(ModelImportError);
  });
});
