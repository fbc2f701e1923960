import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel } from '../src/index';
import { compareTensors } from './helpers/compare';
import { memorySource } from './helpers/file-source';

// Oracle: @tensorflow/tfjs 4.22 (CPU backend) runs a small Keras model built here, and we import
// the files TF.js saves for it. The model uses what the real models lack: odd sizes, asymmetric
// zero padding, SeparableConv2D, depth_multiplier 2, dilation, `same` pooling and a rank-3 Reshape.
// Tolerance 1e-4 relative max error: float32 on both sides differing only in summation order,
// which gives about 1e-6 on these tiny shapes.
const TOLERANCE = 1e-4;
const HEIGHT = 9;
const WIDTH = 11;

let gpu: OffshelfDevice;

beforeAll(async () => {
  await tf.setBackend('cpu');
  gpu = await requestDevice();
});

afterAll(() => {
  gpu?.destroy();
});

/** Builds the test model, with random batch norm statistics so the normalization is not the identity. */
function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [HEIGHT, WIDTH, 3], name: 'image' });
  const padded = tf.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], name: 'pad' }).apply(input) as tf.SymbolicTensor;
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', name: 'conv' }).apply(padded) as tf.SymbolicTensor;
  const separable = tf.layers.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, name: 'separable' }).apply(padded) as tf.SymbolicTensor;
  const dilated = tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false, name: 'dilated' }).apply(padded) as tf.SymbolicTensor;

  const joined = tf.layers.concatenate({ name: 'joined' }).apply([conv, separable]) as tf.SymbolicTensor;
  const normalized = tf.layers.batchNormalization({ epsilon: 1e-3, name: 'normalized' }).apply(joined) as tf.SymbolicTensor;
  const depthwise = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', name: 'depthwise' }).apply(normalized) as tf.SymbolicTensor;
  const clipped = tf.layers.reLU({ maxValue: 6, name: 'clipped' }).apply(depthwise) as tf.SymbolicTensor;
  const maxPooled = tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'max_pooled' }).apply(clipped) as tf.SymbolicTensor;
  const averaged = tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'averaged' }).apply(maxPooled) as tf.SymbolicTensor;
  const gate = tf.layers.activation({ activation: 'sigmoid', name: 'gate' }).apply(averaged) as tf.SymbolicTensor;
  const summed = tf.layers.add({ name: 'summed' }).apply([averaged, gate]) as tf.SymbolicTensor;

  const rows = tf.layers.reshape({ targetShape: [6, 16], name: 'rows' }).apply(summed) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(rows) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pooled' }).apply(dilated) as tf.SymbolicTensor;
  const features = tf.layers.concatenate({ name: 'features' }).apply([flat, pooled]) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 5, activation: 'softmax', name: 'scores' }).apply(features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits });

  const statistics = model.getLayer('normalized');
  statistics.setWeights(statistics.getWeights().map((weight, i) => tf.randomUniform(weight.shape, i === 3 ? 0.5 : -0.5, 1.5, 'float32', 7 + i)));
  return model;
}

/** Saves a layers model through TF.js and returns model.json and its one weight file. */
async function saveModel(model: tf.LayersModel): Promise<{ json: Uint8Array; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const modelJson = { modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs }] };
  return { json: new TextEncoder().encode(JSON.stringify(modelJson)), weights: new Uint8Array(saved!.weightData as ArrayBuffer) };
}

describe('TF.js Keras layers on the runner', () => {
  it('matches TF.js layer by layer', async () => {
    const model = buildModel();
    const files = await saveModel(model);
    const graph = await loadModel(memorySource('keras-layers/model.json', files.json, { 'weights.bin': files.weights }));

    const layers = ['conv', 'separable', 'dilated', 'joined', 'normalized', 'depthwise', 'clipped', 'max_pooled', 'averaged', 'summed', 'rows', 'flat', 'pooled', 'scores'];
    const input = tf.randomUniform([2, HEIGHT, WIDTH, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
    const probe = tf.model({ inputs: model.inputs, outputs: layers.map((name) => model.getLayer(name).output as tf.SymbolicTensor) });
    const expected = probe.predict(input) as tf.Tensor[];

    const extractor = await createFeatureExtractor(gpu.device, graph, { layer: 'features', batchSize: 2, keep: layers });
    try {
      const nchw = tf.transpose(input, [0, 3, 1, 2]).dataSync() as Float32Array;
      const ours = await extractor.runTensors({ [graph.inputs[0]!.name]: { data: nchw, shape: [2, 3, HEIGHT, WIDTH] } }, layers);
      layers.forEach((name, i) => {
        const reference = expected[i]!;
        const values = (reference.rank === 4 ? tf.transpose(reference, [0, 3, 1, 2]) : reference).dataSync() as Float32Array;
        const error = compareTensors(ours[name]!.data, values);
        expect(ours[name]!.data.length, `${name} size`).toBe(values.length);
        expect(error.relative, `${name}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
      });
    } finally {
      extractor.dispose();
      tf.dispose([input, ...expected]);
      model.dispose();
    }
  });
});
