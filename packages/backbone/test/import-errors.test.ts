import { readFileSync } from 'node:fs';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { onnx } from '../src/import/onnx/proto';
import { createFeatureExtractor, detectFormat, InputTensorError, loadModel, ModelImportError } from '../src/index';
import { CORAL_ONNX, CORAL_TFLITE, memorySource } from './helpers/file-source';
import { seededValues, tinyModel } from './helpers/tiny-model';

const conv = { opType: 'Conv', inputs: ['x', 'w', 'b'], output: 'y', attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } };
const weights = { w: { dims: [3, 2, 3, 3], data: seededValues(54) }, b: { dims: [3], data: seededValues(3, 7) } };

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

/** Returns the error a promise rejects with, checking its class. */
async function rejection<T extends Error>(promise: Promise<unknown>, errorClass: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(errorClass);
  return error as T;
}

async function importError(promise: Promise<unknown>): Promise<ModelImportError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelImportError);
  return error as ModelImportError;
}

describe('TFLite import errors', () => {
  it('names the byte past the end of a truncated file', async () => {
    const bytes = new Uint8Array(readFileSync(CORAL_TFLITE)).subarray(0, 500_000);
    const error = await importError(loadModel(memorySource('truncated.tflite', bytes)));
    expect(error.message).toMatch(/truncated\.tflite: .* (points to byte \d+|of \d+ bytes at byte \d+ runs) outside the 500000-byte file; the file is truncated or corrupt/);
    expect(error.message).not.toContain('(0 bytes)');
  });
});

describe('ONNX import errors', () => {
  it('rejects a truncated file', async () => {
    const bytes = new Uint8Array(readFileSync(CORAL_ONNX)).subarray(0, 1_000_000);
    const error = await importError(loadModel(memorySource('truncated.onnx', bytes)));
    expect(error.message).toContain('truncated.onnx');
  });

  it('rejects bytes that are not ONNX', async () => {
    const bytes = new TextEncoder().encode('this is not a model, just text');
    const error = await importError(loadModel(memorySource('notes.onnx', bytes)));
    expect(error.message).toMatch(/notes\.onnx: not a valid ONNX model/);
  });

  it('rejects an empty file', async () => {
    await importError(loadModel(memorySource('empty.onnx', new Uint8Array(0))));
  });

  it('lists every unsupported operator', async () => {
    const { bytes } = tinyModel(
      [
        { opType: 'Resize', inputs: ['x'], output: 'r' },
        { opType: 'LSTM', inputs: ['r'], output: 'l' },
        { opType: 'Relu', inputs: ['l'], output: 'y' },
      ],
      {},
    );
    const error = await importError(loadModel(memorySource('ops.onnx', bytes)));
    expect(error.message).toContain("Resize (1×, first: 'resize_0')");
    expect(error.message).toContain("LSTM (1×, first: 'lstm_1')");
  });

  it('rejects a non-float input', async () => {
    const { bytes } = tinyModel([{ opType: 'Relu', inputs: ['x'], output: 'y' }], {}, { inputType: onnx.TensorProto.DataType.INT64 });
    const error = await importError(loadModel(memorySource('int.onnx', bytes)));
    expect(error.message).toContain("input 'x' has type int64");
  });

  it('rejects an unsupported opset', async () => {
    const { bytes } = tinyModel([{ opType: 'Relu', inputs: ['x'], output: 'y' }], {}, { opset: 5 });
    const error = await importError(loadModel(memorySource('old.onnx', bytes)));
    expect(error.message).toContain('opset 5 is not supported');
  });

  it('names a missing external data file', async () => {
    const { bytes } = tinyModel([conv], weights, { externalFile: 'weights.bin' });
    const error = await importError(loadModel(memorySource('external.onnx', bytes)));
    expect(error.message).toContain("external.onnx: external data file 'weights.bin'");
  });

  it('names a truncated external data file', async () => {
    const { bytes, external } = tinyModel([conv], weights, { externalFile: 'weights.bin' });
    const error = await importError(loadModel(memorySource('external.onnx', bytes, { 'weights.bin': external.subarray(0, 100) })));
    expect(error.message).toContain('truncated');
  });

  it('rejects a wrong input shape at run time', async () => {
    const { bytes } = tinyModel([conv], weights);
    const graph = await loadModel(memorySource('conv.onnx', bytes));
    const extractor = await createFeatureExtractor(gpu.device, graph, { layer: 'y' });
    try {
      const error = await rejection(extractor.runTensors({ x: { data: new Float32Array(3 * 25), shape: [1, 3, 5, 5] } }, ['y']), InputTensorError);
      expect(error.message).toContain("conv.onnx: input 'x' has shape [1, 3, 5, 5], but the model expects [N, 2, 5, 5]");

      const negative = await rejection(extractor.runTensors({ x: { data: new Float32Array(50), shape: [-1, 2, 5, 5] } }, ['y']), InputTensorError);
      expect(negative.message).toContain("input 'x' has shape [-1,2,5,5]; every dimension, the batch included, must be a positive integer.");

      // The model takes 2 channels, so RGB images do not fit it.
      const images = await rejection(extractor.extract([{ width: 5, height: 5, data: new Uint8Array(100) }]), InputTensorError);
      expect(images.message).toContain("the input 'x' has shape [N, 2, 5, 5], not a batch of RGB images [N, 3, H, W]");
    } finally {
      extractor.dispose();
    }
  });

  it('rejects a wrong input type or name at run time', async () => {
    const { bytes } = tinyModel([conv], weights);
    const graph = await loadModel(memorySource('conv.onnx', bytes));
    const extractor = await createFeatureExtractor(gpu.device, graph, { layer: 'y' });
    try {
      const asDoubles = { data: new Float64Array(50) as unknown as Float32Array, shape: [1, 2, 5, 5] };
      const typeError = await rejection(extractor.runTensors({ x: asDoubles }, ['y']), InputTensorError);
      expect(typeError.message).toContain("input 'x' must be a Float32Array, got Float64Array");

      const nameError = await rejection(extractor.runTensors({ image: { data: new Float32Array(50), shape: [1, 2, 5, 5] } }, ['y']), InputTensorError);
      expect(nameError.message).toContain("'image' is not an input of the model; its inputs are 'x'");
    } finally {
      extractor.dispose();
    }
  });
});

describe('ONNX external data', () => {
  it('gives the same output as inline weights', async () => {
    // Oracle: the same model with weights in raw_data; both runs use identical kernels, so outputs match exactly.
    const inline = tinyModel([conv], weights);
    const external = tinyModel([conv], weights, { externalFile: 'weights.bin' });
    const x = { data: seededValues(50, 3), shape: [1, 2, 5, 5] };

    const outputs = [];
    for (const source of [memorySource('inline.onnx', inline.bytes), memorySource('external.onnx', external.bytes, { 'weights.bin': external.external })]) {
      const extractor = await createFeatureExtractor(gpu.device, await loadModel(source), { layer: 'y' });
      outputs.push((await extractor.runTensors({ x }, ['y'])).y!.data);
      extractor.dispose();
    }
    expect(Array.from(outputs[1]!)).toEqual(Array.from(outputs[0]!));
  });
});

describe('detectFormat', () => {
  it('recognizes formats by content and extension', () => {
    expect(detectFormat('m.bin', new Uint8Array([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]))).toBe('tflite');
    expect(detectFormat('model.json', new TextEncoder().encode('{"modelTopology": {}}'))).toBe('tfjs');
    expect(detectFormat('m', new Uint8Array([0x08, 0x07]))).toBe('onnx');
    expect(detectFormat('m.onnx', new Uint8Array([0x12]))).toBe('onnx');
    expect(detectFormat('m.txt', new Uint8Array([0x12]))).toBeNull();
  });
});
