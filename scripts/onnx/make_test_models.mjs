#!/usr/bin/env node
// Writes small ONNX models shaped like ResNet-18, MobileNetV3-Small and EfficientNet-B0, with
// seeded random weights, for comparing the graph runner with onnxruntime. Input is reduced to
// 64×64 and channel counts are cut, so a run takes seconds on a software GPU.
//
//   node scripts/onnx/make_test_models.mjs OUTPUT_DIR
//
// Tests import `writeTestModels(dir)` instead. Models use opset 13 (14 for HardSwish), NCHW, dynamic batch `N`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../packages/backbone/package.json', import.meta.url));
const { onnx } = require('onnx-proto');

/** Mulberry32: a small seeded PRNG, so every run writes identical weights. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds one graph: named nodes, float32 initializers in raw_data, one NCHW input. */
class GraphBuilder {
  constructor(name, seed) {
    this.name = name;
    this.nodes = [];
    this.initializers = [];
    this.next = random(seed);
    this.count = 0;
  }

  unique(prefix) {
    this.count += 1;
    return `${prefix}_${this.count}`;
  }

  /** Adds a float32 initializer; `fill` maps an index to a value, default uniform in ±scale. */
  constant(prefix, dims, scale = 1, fill) {
    const name = this.unique(prefix);
    const size = dims.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, (_, i) => (fill ? fill(i) : (this.next() * 2 - 1) * scale));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  int64Constant(prefix, values) {
    const name = this.unique(prefix);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  node(opType, inputs, attributes = {}, outputName) {
    const name = this.unique(opType.toLowerCase());
    const output = outputName ?? name;
    const attribute = Object.entries(attributes).map(([key, value]) => attributeProto(key, value));
    this.nodes.push({ name, opType, input: inputs, output: [output], attribute });
    return output;
  }

  /** Conv with He-scaled weights; pads [top, left, bottom, right]. */
  conv(x, inChannels, outChannels, kernel, { stride = 1, group = 1, pads, bias = true } = {}) {
    const p = pads ?? [Math.floor(kernel / 2), Math.floor(kernel / 2), Math.floor(kernel / 2), Math.floor(kernel / 2)];
    const fanIn = (inChannels / group) * kernel * kernel;
    const weight = this.constant('weight', [outChannels, inChannels / group, kernel, kernel], Math.sqrt(3 / fanIn));
    const inputs = [x, weight];
    if (bias) inputs.push(this.constant('bias', [outChannels], 0.1));
    return this.node('Conv', inputs, { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: p, group, dilations: [1, 1] });
  }

  batchNorm(x, channels) {
    const scale = this.constant('bn_scale', [channels], 0, () => 0.5 + this.next());
    const shift = this.constant('bn_bias', [channels], 0.2);
    const mean = this.constant('bn_mean', [channels], 0.2);
    const variance = this.constant('bn_var', [channels], 0, () => 0.5 + this.next());
    return this.node('BatchNormalization', [x, scale, shift, mean, variance], { epsilon: 1e-5 });
  }

  gemm(x, inFeatures, outFeatures, outputName) {
    const weight = this.constant('fc_weight', [outFeatures, inFeatures], Math.sqrt(3 / inFeatures));
    const bias = this.constant('fc_bias', [outFeatures], 0.1);
    return this.node('Gemm', [x, weight, bias], { transB: 1 }, outputName);
  }

  toBytes(inputName, size, outputs, opset = 13) {
    const valueInfo = (name, dims) => ({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'make_test_models.mjs',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(inputName, ['N', 3, size, size])],
        output: outputs.map(([name, dims]) => valueInfo(name, dims)),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attributeProto(name, value) {
  const Type = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: Type.INTS, ints: value };
  if (Number.isInteger(value)) return { name, type: Type.INT, i: value };
  return { name, type: Type.FLOAT, f: value };
}

/** ResNet-18 layout (2 basic blocks per stage, BN after each conv, stride-2 projection shortcuts), widths /4. */
export function resnet18Like() {
  const g = new GraphBuilder('resnet18_like', 18);
  let x = g.conv('input', 3, 16, 7, { stride: 2, bias: false });
  x = g.node('Relu', [g.batchNorm(x, 16)]);
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });

  let channels = 16;
  for (const [stage, width] of [16, 32, 64, 128].entries()) {
    for (let block = 0; block < 2; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      let y = g.node('Relu', [g.batchNorm(g.conv(x, channels, width, 3, { stride, bias: false }), width)]);
      y = g.batchNorm(g.conv(y, width, width, 3, { bias: false }), width);
      const shortcut = stride !== 1 || channels !== width ? g.batchNorm(g.conv(x, channels, width, 1, { stride, pads: [0, 0, 0, 0], bias: false }), width) : x;
      x = g.node('Relu', [g.node('Add', [y, shortcut])]);
      channels = width;
    }
  }
  const pooled = g.node('GlobalAveragePool', [x]);
  const features = g.node('Flatten', [pooled], { axis: 1 }, 'features');
  g.gemm(features, channels, 10, 'logits');
  return g.toBytes('input', 64, [['logits', ['N', 10]], ['features', ['N', channels]]]);
}

/**
 * MobileNetV3-Small layout: HardSwish stem, inverted residuals with squeeze-excite (HardSigmoid),
 * head Gemms, for `size`×`size` inputs.
 */
export function mobilenetV3SmallLike(size = 64) {
  const g = new GraphBuilder('mobilenet_v3_small_like', 3);
  let x = g.node('HardSwish', [g.batchNorm(g.conv('input', 3, 16, 3, { stride: 2, pads: [0, 0, 1, 1], bias: false }), 16)]);

  const squeezeExcite = (y, channels) => {
    const squeezed = Math.max(8, channels / 4);
    let s = g.node('GlobalAveragePool', [y]);
    s = g.node('Relu', [g.conv(s, channels, squeezed, 1, { pads: [0, 0, 0, 0] })]);
    s = g.node('HardSigmoid', [g.conv(s, squeezed, channels, 1, { pads: [0, 0, 0, 0] })], { alpha: 1 / 6, beta: 0.5 });
    return g.node('Mul', [y, s]);
  };

  // [kernel, expanded, out, squeeze-excite, activation, stride]
  const blocks = [
    [3, 16, 16, true, 'Relu', 2],
    [3, 48, 24, false, 'Relu', 2],
    [3, 56, 24, false, 'Relu', 1],
    [5, 64, 40, true, 'HardSwish', 2],
    [5, 96, 40, true, 'HardSwish', 1],
  ];
  let channels = 16;
  for (const [kernel, expanded, out, se, activation, stride] of blocks) {
    let y = x;
    if (expanded !== channels) y = g.node(activation, [g.batchNorm(g.conv(y, channels, expanded, 1, { pads: [0, 0, 0, 0], bias: false }), expanded)]);
    y = g.node(activation, [g.batchNorm(g.conv(y, expanded, expanded, kernel, { stride, group: expanded, bias: false }), expanded)]);
    if (se) y = squeezeExcite(y, expanded);
    y = g.batchNorm(g.conv(y, expanded, out, 1, { pads: [0, 0, 0, 0], bias: false }), out);
    x = stride === 1 && channels === out ? g.node('Add', [y, x]) : y;
    channels = out;
  }
  x = g.node('HardSwish', [g.batchNorm(g.conv(x, channels, 96, 1, { pads: [0, 0, 0, 0], bias: false }), 96)]);
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  const features = g.node('HardSwish', [g.gemm(pooled, 96, 128)], {}, 'features');
  g.gemm(g.node('Dropout', [features]), 128, 10, 'logits');
  // HardSwish exists from opset 14.
  return g.toBytes('input', size, [['logits', ['N', 10]], ['features', ['N', 128]]], 14);
}

/** EfficientNet-B0 layout: Swish as x·Sigmoid(x), MBConv with squeeze-excite, ReduceMean-free GAP head. */
export function efficientNetB0Like() {
  const g = new GraphBuilder('efficientnet_b0_like', 0);
  const swish = (y) => g.node('Mul', [y, g.node('Sigmoid', [y])]);
  let x = swish(g.batchNorm(g.conv('input', 3, 16, 3, { stride: 2, bias: false }), 16));

  // [expand ratio, kernel, stride, out]
  const blocks = [
    [1, 3, 1, 8],
    [6, 3, 2, 12],
    [6, 3, 1, 12],
    [6, 5, 2, 20],
    [6, 5, 1, 20],
  ];
  let channels = 16;
  for (const [ratio, kernel, stride, out] of blocks) {
    const expanded = channels * ratio;
    let y = x;
    if (ratio !== 1) y = swish(g.batchNorm(g.conv(y, channels, expanded, 1, { pads: [0, 0, 0, 0], bias: false }), expanded));
    y = swish(g.batchNorm(g.conv(y, expanded, expanded, kernel, { stride, group: expanded, bias: false }), expanded));

    const squeezed = Math.max(1, Math.floor(channels / 4));
    let s = g.node('GlobalAveragePool', [y]);
    s = swish(g.conv(s, expanded, squeezed, 1, { pads: [0, 0, 0, 0] }));
    s = g.node('Sigmoid', [g.conv(s, squeezed, expanded, 1, { pads: [0, 0, 0, 0] })]);
    y = g.node('Mul', [y, s]);

    y = g.batchNorm(g.conv(y, expanded, out, 1, { pads: [0, 0, 0, 0], bias: false }), out);
    x = stride === 1 && channels === out ? g.node('Add', [y, x]) : y;
    channels = out;
  }
  x = swish(g.batchNorm(g.conv(x, channels, 64, 1, { pads: [0, 0, 0, 0], bias: false }), 64));
  const pooled = g.node('GlobalAveragePool', [x]);
  const shape = g.int64Constant('shape', [0, -1]);
  const features = g.node('Reshape', [pooled, shape], {}, 'features');
  g.gemm(features, 64, 10, 'logits');
  return g.toBytes('input', 64, [['logits', ['N', 10]], ['features', ['N', 64]]]);
}

/** Writes the three models into `dir` and returns their paths by name. */
export function writeTestModels(dir) {
  mkdirSync(dir, { recursive: true });
  const models = { resnet18: resnet18Like(), mobilenetV3Small: mobilenetV3SmallLike(), efficientNetB0: efficientNetB0Like() };
  const paths = {};
  for (const [name, bytes] of Object.entries(models)) {
    paths[name] = join(dir, `${name}.onnx`);
    writeFileSync(paths[name], bytes);
  }
  return paths;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/onnx/make_test_models.mjs OUTPUT_DIR');
    process.exit(1);
  }
  for (const [name, path] of Object.entries(writeTestModels(dir))) console.log(`${name}: ${path}`);
}
