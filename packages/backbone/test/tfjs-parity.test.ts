import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel } from '../src/index';
import { parseModelJson } from '../src/import/tfjs/import';
import type { ModelSource } from '../src/source';
import { compareTensors } from './helpers/compare';
import { fileSource, OPEN_IMAGES, SHARED } from './helpers/file-source';
import { imageTensor } from './helpers/images';

// Oracle: @tensorflow/tfjs 4.22 on its pure-JS CPU backend, loading the same files.
// Tolerance 1e-4 relative max error (max|Δ| / max|ref|): both sides compute in float32 and differ
// only in summation order and in batch norm folding, which give about 1e-6; a wrong pad,
// transpose or dequantization gives errors above 1e-2.
const TOLERANCE = 1e-4;
const SLOW = 600_000;

const require = createRequire(import.meta.url);
// nsfwjs exports no package.json subpath; its CommonJS entry is dist/cjs/index.js.
const NSFWJS_MODELS = join(require.resolve('nsfwjs'), '../../models');
const MOBILENET_JSON = join(SHARED, 'models/tfjs-mobilenet-v1-0.25-224/model.json');

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

/** Creates a TF.js IOHandler over a `ModelSource`, with all groups' shards concatenated in manifest order. */
async function ioHandler(source: ModelSource): Promise<tf.io.IOHandler> {
  const modelJson = parseModelJson(await source.readMain(), source.name) as unknown as tf.io.ModelJSON;
  const shards: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) for (const path of group.paths) shards.push(await source.readSibling(path));
  const weightData = new Uint8Array(shards.reduce((sum, shard) => sum + shard.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  return {
    load: async () => ({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weightData.buffer,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
      userDefinedMetadata: modelJson.userDefinedMetadata,
    }),
  };
}

/** Decodes one image into an NCHW [1, 3, H, W] input and its NHWC copy for TF.js. */
async function imageInputs(size: number, mean: number, std: number): Promise<{ nchw: Float32Array; nhwc: tf.Tensor4D }> {
  const nchw = await imageTensor(join(OPEN_IMAGES, 'cat.bmp'), size, mean, std);
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [1, 3, size, size]), [0, 2, 3, 1]) as tf.Tensor4D);
  return { nchw, nhwc };
}

/** Reads a TF.js result in our layout, transposing rank-4 NHWC values to NCHW. */
function toNchw(tensor: tf.Tensor): Float32Array {
  return tf.tidy(() => (tensor.rank === 4 ? tf.transpose(tensor, [0, 3, 1, 2]) : tensor).dataSync() as Float32Array);
}

/** Runs our import on the runner and checks each named value against the TF.js values. */
async function expectParity(source: ModelSource, size: number, names: string[], reference: (input: tf.Tensor4D) => Promise<tf.Tensor[]>, mean = 0, std = 255): Promise<void> {
  const { nchw, nhwc } = await imageInputs(size, mean, std);
  const expected = await reference(nhwc);

  const graph = await loadModel(source);
  const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 1, keep: names });
  try {
    const ours = await extractor.runTensors({ [graph.inputs[0]!.name]: { data: nchw, shape: [1, 3, size, size] } }, names);
    names.forEach((name, i) => {
      const error = compareTensors(ours[name]!.data, toNchw(expected[i]!));
      expect(error.relative, `${name}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
    });
  } finally {
    extractor.dispose();
    nhwc.dispose();
    expected.forEach((tensor) => tensor.dispose());
  }
}

/** Reference values of Keras layers, by layer name, from a TF.js layers model. */
function layersReference(model: tf.LayersModel, layers: string[]): (input: tf.Tensor4D) => Promise<tf.Tensor[]> {
  return async (input) => {
    const probe = tf.model({ inputs: model.inputs, outputs: layers.map((name) => model.getLayer(name).output as tf.SymbolicTensor) });
    const outputs = probe.predict(input);
    return Array.isArray(outputs) ? outputs : [outputs];
  };
}

let gpu: OffshelfDevice;

beforeAll(async () => {
  await tf.setBackend('cpu');
  gpu = await requestDevice();
});

afterAll(() => {
  gpu?.destroy();
});

describe.skipIf(!existsSync(MOBILENET_JSON))('TF.js MobileNetV1 0.25 against TF.js', () => {
  it('matches pooled features and intermediate layers', async () => {
    const source = fileSource(MOBILENET_JSON);
    const model = await tf.loadLayersModel(await ioHandler(source));
    const layers = ['conv1_relu', 'conv_dw_1_bn', 'conv_pw_6_relu', 'conv_pw_13_relu', 'global_average_pooling2d_1', 'conv_preds'];
    // Keras MobileNets take x = pixel / 127.5 − 1.
    await expectParity(source, 224, layers, layersReference(model, layers), 127.5, 127.5);
    model.dispose();
  }, SLOW);
});

describe('TF.js nsfwjs models against TF.js', () => {
  it('matches the MobileNetV2 layers model', async () => {
    const source = nsfwjsSource('mobilenet_v2');
    const model = await tf.loadLayersModel(await ioHandler(source));
    const layers = ['Conv1_relu', 'block_2_add', 'block_13_pad', 'out_relu', 'average_pooling2d_1', 'dense_3'];
    await expectParity(source, 224, layers, layersReference(model, layers));
    model.dispose();
  }, SLOW);

  it('matches the MobileNetV2 graph model', async () => {
    const source = nsfwjsSource('mobilenet_v2_mid');
    const model = await tf.loadGraphModel(await ioHandler(source));
    const prefix = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';
    const nodes = [
      `${prefix}MobilenetV2/Conv/Relu6`,
      `${prefix}MobilenetV2/expanded_conv_2/add`,
      `${prefix}MobilenetV2/Conv_1/Relu6`,
      `${prefix}MobilenetV2/Logits/AvgPool`,
      'StatefulPartitionedCall/sequential/dense/BiasAdd',
    ];
    await expectParity(source, 224, nodes, async (input) => {
      const outputs = model.execute(input, nodes);
      return Array.isArray(outputs) ? outputs : [outputs];
    });
    model.dispose();
  }, SLOW);

  it('matches the InceptionV3 layers model', async () => {
    const source = nsfwjsSource('inception_v3');
    const model = await tf.loadLayersModel(await ioHandler(source));
    const layers = ['activation_1', 'mixed2', 'mixed7', 'average_pooling2d_10', 'dense_3'];
    await expectParity(source, 299, layers, layersReference(model, layers));
    model.dispose();
  }, SLOW);
});
