import { describe, expect, it } from 'vitest';

import { detectFormat, importSafetensors, loadModel, ModelImportError, randomStateDict, readSafetensors, writeSafetensors, type Initializer } from '../src/index';
import { memorySource } from './helpers/file-source';

/** Builds a safetensors file from a header object and raw data bytes, for malformed-input cases. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  file.set(json, 8);
  file.set(data, 8 + json.length);
  return file;
}

const u16 = (...values: number[]): Uint8Array => new Uint8Array(Uint16Array.from(values).buffer);

async function importError(bytes: Uint8Array, arch = 'squeezenet1_1', numClasses?: number): Promise<ModelImportError> {
  try {
    await importSafetensors(memorySource('model.safetensors', bytes), { arch, numClasses });
  } catch (error) {
    expect(error).toBeInstanceOf(ModelImportError);
    return error as ModelImportError;
  }
  throw new Error('the import succeeded');
}

function readError(bytes: Uint8Array): ModelImportError {
  try {
    readSafetensors(bytes, 'model.safetensors');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelImportError);
    return error as ModelImportError;
  }
  throw new Error('the read succeeded');
}

describe('safetensors reader', () => {
  it('round-trips F32 and I64 tensors and metadata', () => {
    const tensors: Initializer[] = [
      { name: 'a.weight', dataType: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-20, -7]) },
      { name: 'a.num_batches_tracked', dataType: 'int64', shape: [], data: BigInt64Array.of(42n) },
    ];
    const contents = readSafetensors(writeSafetensors(tensors, { format: 'pt' }), 'x.safetensors');
    expect(contents.metadata).toEqual({ format: 'pt' });
    expect(contents.tensors.get('a.weight')).toEqual(tensors[0]);
    expect(contents.tensors.get('a.num_batches_tracked')).toEqual(tensors[1]);
  });

  // Oracle: IEEE 754 binary16 and bfloat16 bit patterns with exactly known values.
  it('widens F16 and BF16 to float32', () => {
    const header = {
      half: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
      brain: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] },
    };
    const data = new Uint8Array(16);
    data.set(u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0xfc00), 0);
    data.set(u16(0x3f80, 0x4049, 0xc2f7), 10);
    const { tensors } = readSafetensors(rawFile(header, data), 'x.safetensors');
    expect(Array.from(tensors.get('half')!.data as Float32Array)).toEqual([1, -2, 65504, 2 ** -24, -Infinity]);
    expect(Array.from(tensors.get('brain')!.data as Float32Array)).toEqual([1, 3.140625, -123.5]);
    expect(tensors.get('half')!.dataType).toBe('float32');
  });

  it('rejects a file shorter than the header length', () => {
    expect(readError(new Uint8Array(5)).message).toMatch(/model\.safetensors: .*shorter than the 8-byte header length/);
  });

  it('rejects a header length past the end', () => {
    const error = readError(rawFile({}, new Uint8Array(0), 1000));
    expect(error.message).toMatch(/header length 1000 runs past the end/);
  });

  it('rejects a header cut short inside its JSON', () => {
    const header = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    const error = readError(rawFile(header, new Uint8Array(4), JSON.stringify(header).length - 5));
    expect(error.message).toMatch(/model\.safetensors: safetensors header is not valid JSON/);
  });

  it('rejects data offsets past the end', () => {
    const error = readError(rawFile({ 'conv.weight': { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)));
    expect(error.message).toMatch(/tensor 'conv\.weight' has data_offsets \[0, 16\] outside the 8 bytes/);
  });

  it('rejects a span that does not match the shape', () => {
    const error = readError(rawFile({ 'conv.weight': { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)));
    expect(error.message).toMatch(/tensor 'conv\.weight' spans 8 bytes, but shape \[3\] of F32 needs 12/);
  });

  it('rejects an unsupported dtype', () => {
    const error = readError(rawFile({ flags: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)));
    expect(error.message).toMatch(/tensor 'flags' has dtype "BOOL", which is not supported/);
  });
});

describe('safetensors import', () => {
  const stateDict = randomStateDict('squeezenet1_1', { numClasses: 7 });

  it('reads numClasses from the classifier weight', async () => {
    const graph = await importSafetensors(memorySource('model.safetensors', writeSafetensors(stateDict)), { arch: 'squeezenet1_1' });
    expect(graph.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['features', ['N', 512]],
      ['logits', ['N', 7]],
    ]);
    expect(graph.metadata.featureOutput).toBe('features');
    expect(graph.metadata.classifierOutput).toBe('logits');
    expect(graph.metadata.preprocessing.resize).toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 256 });
    expect(graph.metadata.properties.arch).toBe('squeezenet1_1');
  });

  it('rejects an unknown architecture', async () => {
    const error = await importError(writeSafetensors(stateDict), 'resnet101');
    expect(error.message).toMatch(/unknown architecture 'resnet101'; supported: resnet18, .*squeezenet1_1/);
  });

  it('names a missing parameter and its shape', async () => {
    const bytes = writeSafetensors(stateDict.filter((t) => t.name !== 'features.6.expand3x3.weight'));
    const error = await importError(bytes);
    expect(error.message).toMatch(/parameter 'features\.6\.expand3x3\.weight' is missing; squeezenet1_1 expects it with shape \[128, 32, 3, 3\]/);
  });

  it('names a mis-shaped parameter', async () => {
    const bytes = writeSafetensors(stateDict.map((t) => (t.name === 'features.3.squeeze.bias' ? { ...t, shape: [8], data: new Float32Array(8) } : t)));
    const error = await importError(bytes);
    expect(error.message).toMatch(/parameter 'features\.3\.squeeze\.bias' has shape \[8\], but squeezenet1_1 expects \[16\]/);
  });

  it('rejects a numClasses that disagrees with the file', async () => {
    const error = await importError(writeSafetensors(stateDict), 'squeezenet1_1', 1000);
    expect(error.message).toMatch(/parameter 'classifier\.1\.weight' has shape \[7, 512, 1, 1\], but squeezenet1_1 expects \[1000, 512, 1, 1\]/);
  });

  it('rejects a state dict of another architecture', async () => {
    const error = await importError(writeSafetensors(randomStateDict('resnet18', { numClasses: 7 })));
    expect(error.message).toMatch(/parameter 'features\.0\.weight' is missing/);
  });

  it('rejects unexpected tensors', async () => {
    const extra: Initializer = { name: 'head.extra.weight', dataType: 'float32', shape: [1], data: new Float32Array(1) };
    const error = await importError(writeSafetensors([...stateDict, extra]));
    expect(error.message).toMatch(/1 tensor\(s\) are not parameters of squeezenet1_1: 'head\.extra\.weight'/);
  });

  it('points at a DataParallel prefix', async () => {
    const error = await importError(writeSafetensors(stateDict.map((t) => ({ ...t, name: `module.${t.name}` }))));
    expect(error.message).toMatch(/strip the 'module\.' prefix/);
  });

  it('loads through loadModel with an arch', async () => {
    const bytes = writeSafetensors(stateDict);
    expect(detectFormat('weights.bin', bytes)).toBe('safetensors');
    const graph = await loadModel(memorySource('weights.bin', bytes), { arch: 'squeezenet1_1' });
    expect(graph.metadata.sourceFormat).toBe('safetensors');
    await expect(loadModel(memorySource('weights.bin', bytes))).rejects.toThrow(/needs the arch option/);
  });
});
