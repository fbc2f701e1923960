import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ModelImportError, type Graph } from '../src/ir/graph';
import { importTfjs } from '../src/import/tfjs/import';
import { imagePreprocessing } from '../src/import/tfjs/preprocessing';
import type { ModelSource } from '../src/source';
import { fileSource, memorySource, SHARED } from './helpers/file-source';

const MOBILENET_DIR = join(SHARED, 'models/tfjs-mobilenet-v1-0.25-224');
const hasMobilenet = existsSync(join(MOBILENET_DIR, 'model.json'));
const require = createRequire(import.meta.url);
// nsfwjs exports no package.json subpath; its CommonJS entry is dist/cjs/index.js.
const NSFWJS_MODELS = join(require.resolve('nsfwjs'), '../../models');

/**
 * nsfwjs 4.4.0 ships each model as UMD bundles: `model.min.js` exports the model.json
 * object and each `<shard>.min.js` exports the shard's bytes in base64.
 */
function nsfwjsSource(model: string): ModelSource {
  const dir = join(NSFWJS_MODELS, model);
  return {
    name: `nsfwjs/${model}/model.json`,
    readMain: async () => new TextEncoder().encode(JSON.stringify(require(join(dir, 'model.min.js')))),
    readSibling: async (path) => new Uint8Array(Buffer.from(require(join(dir, `${path}.min.js`)) as string, 'base64')),
  };
}

function countOps(graph: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graph.nodes) counts[node.opType] = (counts[node.opType] ?? 0) + 1;
  return counts;
}

describe.skipIf(!hasMobilenet)('TF.js layers MobileNetV1 0.25', () => {
  it('imports ops, shapes and outputs', async () => {
    const graph = await importTfjs(fileSource(join(MOBILENET_DIR, 'model.json')));
    expect(countOps(graph)).toEqual({ Conv: 28, BatchNormalization: 27, Clip: 27, GlobalAveragePool: 1, Reshape: 3, Softmax: 1 });
    expect(graph.nodes.filter((node) => node.opType === 'Conv' && Number(node.attributes.group) > 1)).toHaveLength(13);
    expect(graph.inputs[0]!.shape).toEqual(['N', 3, 224, 224]);
    expect(graph.outputs[0]!.shape).toEqual(['N', 1000]);
    expect(graph.metadata.sourceFormat).toBe('tfjs-layers');
    expect(graph.valueInfo.get(graph.metadata.featureOutput!)!.shape).toEqual(['N', 256, 1, 1]);
    expect(graph.valueInfo.get('conv_pw_13_relu')!.shape).toEqual(['N', 256, 7, 7]);
    // Oracle: keras.applications.mobilenet.preprocess_input scales pixels to [-1, 1] ('tf' mode).
    expect(graph.metadata.preprocessing).toMatchObject({ channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  });

  it('transposes the first kernel from HWIO to OIHW', async () => {
    // Oracle: the shard's raw little-endian float32 bytes, [3, 3, 3, 8] HWIO, indexed by hand.
    const graph = await importTfjs(fileSource(join(MOBILENET_DIR, 'model.json')));
    const raw = new Float32Array(new Uint8Array(readFileSync(join(MOBILENET_DIR, 'group1-shard1of1'))).buffer);
    const kernel = graph.initializers.get(graph.nodes.find((node) => node.opType === 'Conv')!.inputs[1]!)!;
    expect(kernel.shape).toEqual([8, 3, 3, 3]);
    for (let o = 0; o < 8; o++)
      for (let i = 0; i < 3; i++)
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 3; x++) expect(kernel.data[((o * 3 + i) * 3 + y) * 3 + x]).toBe(raw[((y * 3 + x) * 3 + i) * 8 + o]);
  });

  it('pads Keras same convolutions at the bottom and right', async () => {
    const graph = await importTfjs(fileSource(join(MOBILENET_DIR, 'model.json')));
    const first = graph.nodes.find((node) => node.opType === 'Conv')!;
    expect(first.attributes.strides).toEqual([2, 2]);
    expect(first.attributes.pads).toEqual([0, 0, 1, 1]);
  });

  it('rejects a missing weight shard', async () => {
    const path = join(MOBILENET_DIR, 'model.json');
    const source = memorySource(path, new Uint8Array(readFileSync(path)));
    await expect(importTfjs(source)).rejects.toThrow(ModelImportError);
    await expect(importTfjs(source)).rejects.toThrow(/group1-shard1of1/);
  });

  it('rejects a shard shorter than its weights', async () => {
    const path = join(MOBILENET_DIR, 'model.json');
    const source: ModelSource = { ...fileSource(path), readSibling: async () => new Uint8Array(16) };
    await expect(importTfjs(source)).rejects.toThrow(/truncated/);
  });

  it('rejects an integer dtype on a layer weight', async () => {
    const path = join(MOBILENET_DIR, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const kernel = json.weightsManifest.flatMap((group: { weights: Array<{ name: string; dtype: string }> }) => group.weights).find((w: { name: string }) => w.name === 'conv1/kernel');
    kernel.dtype = 'int32';
    const source: ModelSource = { ...fileSource(path), readMain: async () => new TextEncoder().encode(JSON.stringify(json)) };
    await expect(importTfjs(source)).rejects.toThrow("weight 'conv1/kernel' has dtype int32, but a Keras layer weight is float32");
  });
});

describe('TF.js nsfwjs models', () => {
  it('imports the MobileNetV2 layers model', async () => {
    const graph = await importTfjs(nsfwjsSource('mobilenet_v2'));
    expect(countOps(graph)).toEqual({ Pad: 5, Conv: 52, BatchNormalization: 52, Clip: 35, Add: 10, GlobalAveragePool: 1, Reshape: 1, Gemm: 3, Relu: 2, Softmax: 1 });
    expect(graph.outputs[0]!.shape).toEqual(['N', 5]);
    expect(graph.valueInfo.get(graph.metadata.featureOutput!)!.shape).toEqual(['N', 1280, 1, 1]);
  });

  it('dequantizes uint8 weights as q × scale + min', async () => {
    // Oracle: the first bytes of the shard and the manifest's min and scale, decoded by hand.
    const source = nsfwjsSource('mobilenet_v2');
    const manifest = JSON.parse(new TextDecoder().decode(await source.readMain())).weightsManifest;
    const spec = manifest[0].weights[0];
    expect(spec.name).toBe('Conv1/kernel');
    const bytes = await source.readSibling(manifest[0].paths[0]);
    const graph = await importTfjs(source);
    const kernel = graph.initializers.get('Conv1/kernel')!;

    // HWIO [3, 3, 3, 32]: byte k = ((y × 3 + x) × 3 + i) × 32 + o lands at OIHW ((o × 3 + i) × 3 + y) × 3 + x.
    for (let k = 0; k < 64; k++) {
      const o = k % 32;
      const i = Math.floor(k / 32) % 3;
      const x = Math.floor(k / 96) % 3;
      const y = Math.floor(k / 288);
      const expected = Math.fround(bytes[k]! * spec.quantization.scale + spec.quantization.min);
      expect(kernel.data[((o * 3 + i) * 3 + y) * 3 + x]).toBe(expected);
    }
  });

  it('imports the MobileNetV2 graph model', async () => {
    const graph = await importTfjs(nsfwjsSource('mobilenet_v2_mid'));
    expect(countOps(graph)).toEqual({ Mul: 1, Sub: 1, Conv: 52, Clip: 35, Add: 10, GlobalAveragePool: 1, Reshape: 1, Gemm: 1, Softmax: 1 });
    expect(graph.metadata.sourceFormat).toBe('tfjs-graph');
    expect(graph.outputs[0]!.shape).toEqual(['N', 5]);
    expect(graph.valueInfo.get(graph.metadata.featureOutput!)!.shape).toEqual(['N', 1792, 1, 1]);
    expect(graph.metadata.classifierOutput).toBe('StatefulPartitionedCall/sequential/dense/BiasAdd');
  });

  it('imports the InceptionV3 layers model', async () => {
    const graph = await importTfjs(nsfwjsSource('inception_v3'));
    expect(countOps(graph)).toEqual({ Conv: 94, BatchNormalization: 94, Relu: 96, MaxPool: 4, AveragePool: 9, Concat: 15, GlobalAveragePool: 1, Reshape: 1, Gemm: 3, Softmax: 1 });
    expect(graph.inputs[0]!.shape).toEqual(['N', 3, 299, 299]);
    expect(graph.valueInfo.get(graph.metadata.featureOutput!)!.shape).toEqual(['N', 2048, 1, 1]);
  });
});

describe('TF.js weight encodings', () => {
  it('decodes float16 and uint16-quantized weights', async () => {
    // Oracle: values written by hand. float16 0x3c00 = 1, 0xc000 = -2, 0x3800 = 0.5, 0x0000 = 0,
    // 0x7bff = 65504, 0x0001 = 2^-24 (subnormal); uint16 q decodes as q × scale + min.
    const json = {
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'InputLayer', config: { name: 'image', batch_input_shape: [null, 1, 1, 3] } },
            { class_name: 'Flatten', config: { name: 'flat' } },
            { class_name: 'Dense', config: { name: 'dense', units: 2, activation: 'linear' } },
          ],
        },
      },
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: [
            { name: 'dense/kernel', shape: [3, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
            { name: 'dense/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', min: -1, scale: 0.5 } },
          ],
        },
      ],
    };
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    [0x3c00, 0xc000, 0x3800, 0x0000, 0x7bff, 0x0001].forEach((bits, i) => view.setUint16(2 * i, bits, true));
    view.setUint16(12, 0, true);
    view.setUint16(14, 7, true);
    const graph = await importTfjs(memorySource('encodings/model.json', new TextEncoder().encode(JSON.stringify(json)), { 'weights.bin': bytes }));

    // The Gemm takes the [in, out] kernel transposed to [out, in].
    expect(Array.from(graph.initializers.get('dense/kernel')!.data as Float32Array)).toEqual([1, 0.5, 65504, -2, 0, 2 ** -24]);
    expect(Array.from(graph.initializers.get('dense/bias')!.data as Float32Array)).toEqual([-1, 2.5]);
  });
});

describe('TF.js Keras 3 topology', () => {
  it('reads keras_history inbound nodes', async () => {
    // Keras 3 writes inbound nodes as {args, kwargs} with keras_history references, and `batch_shape`.
    const history = (layer: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4, 4, 3], dtype: 'float32', keras_history: [layer, 0, 0] } });
    const json = {
      modelTopology: {
        class_name: 'Functional',
        config: {
          name: 'keras3',
          layers: [
            { class_name: 'InputLayer', name: 'image', config: { name: 'image', batch_shape: [null, 4, 4, 3] }, inbound_nodes: [] },
            { class_name: 'Conv2D', name: 'conv', config: { name: 'conv', filters: 2, kernel_size: [1, 1], padding: 'valid', activation: 'relu' }, inbound_nodes: [{ args: [history('image')], kwargs: {} }] },
          ],
          input_layers: [['image', 0, 0]],
          output_layers: [['conv', 0, 0]],
        },
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'conv/kernel', shape: [1, 1, 3, 2], dtype: 'float32' }, { name: 'conv/bias', shape: [2], dtype: 'float32' }] }],
    };
    const weights = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6, 0.5, -0.5]).buffer);
    const graph = await importTfjs(memorySource('keras3/model.json', new TextEncoder().encode(JSON.stringify(json)), { 'weights.bin': weights }));

    expect(graph.outputs[0]!.name).toBe('conv');
    expect(graph.outputs[0]!.shape).toEqual(['N', 2, 4, 4]);
    // HWIO [1, 1, 3, 2] = [[1, 2], [3, 4], [5, 6]] becomes OIHW [2, 3, 1, 1].
    expect(Array.from(graph.initializers.get('conv/kernel')!.data as Float32Array)).toEqual([1, 3, 5, 2, 4, 6]);
  });
});

describe('TF.js import errors', () => {
  it('rejects invalid JSON', async () => {
    await expect(importTfjs(memorySource('model.json', new TextEncoder().encode('{"modelTopology": ')))).rejects.toThrow(/not valid UTF-8 JSON/);
  });

  it('rejects JSON without a topology', async () => {
    await expect(importTfjs(memorySource('model.json', new TextEncoder().encode('{"weightsManifest": []}')))).rejects.toThrow(/no modelTopology/);
  });

  it('names an unsupported layer', async () => {
    const json = {
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'LSTM', config: { name: 'lstm', batch_input_shape: [null, 8, 8, 3] } }] },
      },
      weightsManifest: [],
    };
    await expect(importTfjs(memorySource('model.json', new TextEncoder().encode(JSON.stringify(json))))).rejects.toThrow(/'lstm' has class LSTM/);
  });
});

describe('TF.js preprocessing by Keras model name', () => {
  // Oracle: keras.applications' preprocess_input modes: 'tf' for MobileNet and Xception,
  // 'caffe' (BGR, ImageNet mean subtracted, unscaled) for ResNet50 and VGG, 'torch' for DenseNet.
  it.each([
    ['mobilenetv2_1.00_224', 'RGB', [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]],
    ['xception', 'RGB', [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]],
    ['resnet50', 'BGR', [103.939 / 255, 116.779 / 255, 123.68 / 255], [1 / 255, 1 / 255, 1 / 255]],
    ['densenet121', 'RGB', [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]],
    ['my_classifier', 'RGB', [0, 0, 0], [1, 1, 1]],
  ])('%s', (name, channelOrder, mean, std) => {
    expect(imagePreprocessing(224, 224, name)).toMatchObject({ channelOrder, mean, std });
  });
});
