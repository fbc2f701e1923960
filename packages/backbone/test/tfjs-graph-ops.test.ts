import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, loadModel } from '../src/index';
import { compareTensors } from './helpers/compare';
import { memorySource } from './helpers/file-source';

// Oracle: @tensorflow/tfjs 4.22 (CPU backend) executing a small hand-written GraphDef, and both
// sides load the same files. The graph uses the unfused ops that the nsfwjs graph model lacks:
// Conv2D + BiasAdd, DepthwiseConv2dNative, Pad, FusedBatchNormV3, MaxPool, Mean, Reshape, ConcatV2, MatMul.
// Tolerance 1e-4 relative max error: float32 on both sides, about 1e-6 on these tiny shapes.
const TOLERANCE = 1e-4;

let gpu: OffshelfDevice;

beforeAll(async () => {
  await tf.setBackend('cpu');
  gpu = await requestDevice();
});

afterAll(() => {
  gpu?.destroy();
});

/** Uniform values in [low, high) from a seeded linear congruential generator. */
function randomValues(count: number, seed: number, low = -1, high = 1): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + ((high - low) * state) / 4294967296;
  });
}

interface Constant {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

/** Writes a graph model: GraphDef nodes plus one weight file holding every Const, in manifest order. */
function graphModelFiles(nodes: object[], constants: Constant[]): { json: Uint8Array; weights: Uint8Array } {
  const bytes = new Uint8Array(constants.reduce((sum, c) => sum + 4 * c.values.length, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const constant of constants) {
    for (const value of constant.values) {
      if (constant.dtype === 'float32') view.setFloat32(offset, value, true);
      else view.setInt32(offset, value, true);
      offset += 4;
    }
  }

  const constNodes = constants.map((c) => ({
    name: c.name,
    op: 'Const',
    attr: {
      dtype: { type: c.dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32' },
      value: { tensor: { dtype: c.dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32', tensorShape: { dim: c.shape.map((size) => ({ size: String(size) })) } } },
    },
  }));
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand-written test graph',
    convertedBy: null,
    modelTopology: { node: [...constNodes, ...nodes], versions: { producer: 1 } },
    weightsManifest: [{ paths: ['weights.bin'], weights: constants.map((c) => ({ name: c.name, shape: c.shape, dtype: c.dtype })) }],
  };
  return { json: new TextEncoder().encode(JSON.stringify(modelJson)), weights: bytes };
}

const FLOAT = { T: { type: 'DT_FLOAT' } };
const ints = (values: number[]): object => ({ list: { i: values.map(String) } });
const text = (value: string): object => ({ s: btoa(value) });

describe('TF.js graph ops on the runner', () => {
  it('matches TF.js on a hand-written GraphDef', async () => {
    const constants: Constant[] = [
      { name: 'paddings', shape: [4, 2], dtype: 'int32', values: [0, 0, 2, 1, 0, 1, 0, 0] },
      { name: 'conv_filter', shape: [3, 3, 3, 4], dtype: 'float32', values: randomValues(108, 1) },
      { name: 'conv_bias', shape: [4], dtype: 'float32', values: randomValues(4, 2, -0.2, 0.2) },
      { name: 'depthwise_filter', shape: [3, 3, 4, 2], dtype: 'float32', values: randomValues(72, 3) },
      { name: 'bn_scale', shape: [8], dtype: 'float32', values: randomValues(8, 4, 0.5, 1.5) },
      { name: 'bn_offset', shape: [8], dtype: 'float32', values: randomValues(8, 5) },
      { name: 'bn_mean', shape: [8], dtype: 'float32', values: randomValues(8, 6) },
      { name: 'bn_variance', shape: [8], dtype: 'float32', values: randomValues(8, 7, 0.5, 2) },
      { name: 'mean_axes', shape: [2], dtype: 'int32', values: [1, 2] },
      { name: 'flat_shape', shape: [2], dtype: 'int32', values: [-1, 32] },
      { name: 'concat_axis', shape: [], dtype: 'int32', values: [1] },
      { name: 'dense_weights', shape: [40, 5], dtype: 'float32', values: randomValues(200, 8) },
      { name: 'dense_bias', shape: [5], dtype: 'float32', values: randomValues(5, 9, -0.1, 0.1) },
    ];
    // Shapes: image [N, 7, 9, 3] → padded [N, 10, 10, 3] → conv (SAME, stride 2) [N, 5, 5, 4] → depthwise
    // (VALID, multiplier 2) [N, 3, 3, 8] → max pool (SAME, stride 2) [N, 2, 2, 8] → flat [N, 32], and
    // features = concat(mean [N, 8], flat) [N, 40].
    const nodes = [
      { name: 'image', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '7' }, { size: '9' }, { size: '3' }] } } } },
      { name: 'padded', op: 'Pad', input: ['image', 'paddings'], attr: { ...FLOAT, Tpaddings: { type: 'DT_INT32' } } },
      { name: 'conv', op: 'Conv2D', input: ['padded', 'conv_filter'], attr: { ...FLOAT, strides: ints([1, 2, 2, 1]), padding: text('SAME'), data_format: text('NHWC'), dilations: ints([1, 1, 1, 1]) } },
      { name: 'conv_biased', op: 'BiasAdd', input: ['conv', 'conv_bias'], attr: { ...FLOAT, data_format: text('NHWC') } },
      { name: 'conv_relu', op: 'Relu', input: ['conv_biased'], attr: FLOAT },
      { name: 'depthwise', op: 'DepthwiseConv2dNative', input: ['conv_relu', 'depthwise_filter'], attr: { ...FLOAT, strides: ints([1, 1, 1, 1]), padding: text('VALID'), data_format: text('NHWC'), dilations: ints([1, 1, 1, 1]) } },
      { name: 'depthwise_relu6', op: 'Relu6', input: ['depthwise'], attr: FLOAT },
      { name: 'normalized', op: 'FusedBatchNormV3', input: ['depthwise_relu6', 'bn_scale', 'bn_offset', 'bn_mean', 'bn_variance'], attr: { ...FLOAT, U: { type: 'DT_FLOAT' }, epsilon: { f: 0.001 }, data_format: text('NHWC'), is_training: { b: false } } },
      { name: 'pooled', op: 'MaxPool', input: ['normalized'], attr: { ...FLOAT, ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: text('SAME'), data_format: text('NHWC') } },
      { name: 'averaged', op: 'Mean', input: ['normalized', 'mean_axes'], attr: { ...FLOAT, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
      { name: 'flat', op: 'Reshape', input: ['pooled', 'flat_shape'], attr: { ...FLOAT, Tshape: { type: 'DT_INT32' } } },
      { name: 'features', op: 'ConcatV2', input: ['averaged', 'flat', 'concat_axis'], attr: { ...FLOAT, N: { i: '2' }, Tidx: { type: 'DT_INT32' } } },
      { name: 'dense', op: 'MatMul', input: ['features', 'dense_weights'], attr: { ...FLOAT, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'logits', op: 'AddV2', input: ['dense', 'dense_bias'], attr: FLOAT },
      { name: 'scores', op: 'Softmax', input: ['logits'], attr: FLOAT },
    ];

    const files = graphModelFiles(nodes, constants);
    const source = memorySource('graph-ops/model.json', files.json, { 'weights.bin': files.weights });
    const modelJson = JSON.parse(new TextDecoder().decode(files.json));
    const reference = await tf.loadGraphModel({
      load: async () => ({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: files.weights.buffer as ArrayBuffer,
        format: 'graph-model',
      }),
    });

    const names = ['padded', 'conv_relu', 'depthwise_relu6', 'normalized', 'pooled', 'averaged', 'flat', 'features', 'logits', 'scores'];
    const input = tf.tensor4d(randomValues(2 * 7 * 9 * 3, 10), [2, 7, 9, 3]);
    const expected = reference.execute(input, names) as tf.Tensor[];

    const graph = await loadModel(source);
    const extractor = await createFeatureExtractor(gpu.device, graph, { layer: 'features', batchSize: 2, keep: names });
    try {
      const nchw = tf.tidy(() => tf.transpose(input, [0, 3, 1, 2]).dataSync() as Float32Array);
      const ours = await extractor.runTensors({ [graph.inputs[0]!.name]: { data: nchw, shape: [2, 3, 7, 9] } }, names);
      names.forEach((name, i) => {
        const tensor = expected[i]!;
        const values = tf.tidy(() => (tensor.rank === 4 ? tf.transpose(tensor, [0, 3, 1, 2]) : tensor).dataSync() as Float32Array);
        expect(ours[name]!.data.length, `${name} size`).toBe(values.length);
        const error = compareTensors(ours[name]!.data, values);
        expect(error.relative, `${name}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
      });
    } finally {
      extractor.dispose();
      tf.dispose([input, ...expected]);
      reference.dispose();
    }
  });
});
