import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor } from '../src/index';
import { tfliteToGraph } from '../src/import/tflite/import';
import { compareTensors } from './helpers/compare';

// Oracle: the same computation written with @tensorflow/tfjs 4.22 ops (CPU backend, NHWC, TF
// `SAME` padding), from the same random weights that the hand-built .tflite file stores.
// Tolerance 1e-4 relative max error. Both sides compute in float32 and differ in summation order,
// which gives about 1e-6 on these tiny shapes, while a wrong pad, axis or transpose gives errors near 1.

const TOLERANCE = 1e-4;

/** A FlatBuffers field value for the test writer. */
type Field =
  | { u8: number }
  | { i8: number }
  | { i32: number }
  | { u32: number }
  | { f32: number }
  | { string: string }
  | { i32s: number[] }
  | { f32s: number[] }
  | { i64s: number[] }
  | { bytes: Uint8Array }
  | { table: (Field | undefined)[] }
  | { tables: (Field | undefined)[][] };

/**
 * Serializes a FlatBuffers table tree front to back: each table is preceded by its
 * vtable and followed by the objects it references, so every uoffset points forward.
 * The importer's reader does not need alignment, so this writer does not align.
 */
class FlatBufferWriter {
  private bytes: number[] = [];

  private put(size: number, write: (view: DataView) => void): number {
    const position = this.bytes.length;
    const chunk = new DataView(new ArrayBuffer(size));
    write(chunk);
    for (let i = 0; i < size; i++) this.bytes.push(chunk.getUint8(i));
    return position;
  }

  private patch(position: number, target: number): void {
    const value = target - position;
    for (let i = 0; i < 4; i++) this.bytes[position + i] = (value >>> (8 * i)) & 0xff;
  }

  finish(root: (Field | undefined)[], identifier: string): Uint8Array {
    const rootOffset = this.put(4, () => {});
    this.put(4, (view) => [...identifier].forEach((c, i) => view.setUint8(i, c.charCodeAt(0))));
    this.patch(rootOffset, this.table(root));
    return new Uint8Array(this.bytes);
  }

  private table(fields: (Field | undefined)[]): number {
    const sizes = fields.map((field) => (field === undefined ? 0 : inlineSize(field)));
    const tableSize = 4 + sizes.reduce((a, b) => a + b, 0);
    const offsets: number[] = [];
    let cursor = 4;
    for (const size of sizes) {
      offsets.push(size === 0 ? 0 : cursor);
      cursor += size;
    }
    const vtable = this.put(4 + 2 * fields.length, (view) => {
      view.setUint16(0, 4 + 2 * fields.length, true);
      view.setUint16(2, tableSize, true);
      offsets.forEach((offset, i) => view.setUint16(4 + 2 * i, offset, true));
    });
    const table = this.put(4, (view) => view.setInt32(0, this.bytes.length - vtable, true));

    const references: { position: number; field: Field }[] = [];
    fields.forEach((field) => {
      if (field === undefined) return;
      const position = this.put(inlineSize(field), (view) => {
        if ('u8' in field) view.setUint8(0, field.u8);
        else if ('i8' in field) view.setInt8(0, field.i8);
        else if ('i32' in field) view.setInt32(0, field.i32, true);
        else if ('u32' in field) view.setUint32(0, field.u32, true);
        else if ('f32' in field) view.setFloat32(0, field.f32, true);
      });
      if (inlineSize(field) === 4 && !('i32' in field || 'u32' in field || 'f32' in field)) references.push({ position, field });
    });
    for (const { position, field } of references) this.patch(position, this.reference(field));
    return table;
  }

  private vector(count: number, elementSize: number, write: (view: DataView) => void): number {
    return this.put(4 + count * elementSize, (view) => {
      view.setUint32(0, count, true);
      write(new DataView(view.buffer, 4));
    });
  }

  private reference(field: Field): number {
    if ('string' in field) {
      // The length excludes the NUL terminator that follows the bytes.
      const encoded = new TextEncoder().encode(field.string);
      const position = this.vector(encoded.length, 1, (view) => encoded.forEach((b, i) => view.setUint8(i, b)));
      this.put(1, () => {});
      return position;
    }
    if ('i32s' in field) return this.vector(field.i32s.length, 4, (view) => field.i32s.forEach((v, i) => view.setInt32(4 * i, v, true)));
    if ('f32s' in field) return this.vector(field.f32s.length, 4, (view) => field.f32s.forEach((v, i) => view.setFloat32(4 * i, v, true)));
    if ('i64s' in field) return this.vector(field.i64s.length, 8, (view) => field.i64s.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true)));
    if ('bytes' in field) return this.vector(field.bytes.length, 1, (view) => field.bytes.forEach((v, i) => view.setUint8(i, v)));
    if ('table' in field) return this.table(field.table);
    if ('tables' in field) {
      const slots = this.vector(field.tables.length, 4, () => {});
      field.tables.forEach((table, i) => this.patch(slots + 4 + 4 * i, this.table(table)));
      return slots;
    }
    throw new Error(`not a reference field: ${JSON.stringify(field)}`);
  }
}

function inlineSize(field: Field): number {
  return 'u8' in field || 'i8' in field ? 1 : 4;
}

/** Builds a TFLite model tensor by tensor; constants get a buffer of their own. */
class TfliteModelBuilder {
  private readonly tensors: (Field | undefined)[][] = [];
  private readonly buffers: (Field | undefined)[][] = [[]];
  private readonly operators: (Field | undefined)[][] = [];
  private readonly opcodes: number[] = [];

  /** Adds a tensor: TensorType 0 = float32, 1 = float16, 2 = int32, 9 = int8. */
  tensor(name: string, shape: number[], type = 0, data?: Uint8Array, quantization?: { scale: number[]; zeroPoint: number[]; dimension: number }): number {
    let buffer = 0;
    if (data) {
      buffer = this.buffers.length;
      this.buffers.push([{ bytes: data }]);
    }
    const quantizationTable = quantization && { table: [undefined, undefined, { f32s: quantization.scale }, { i64s: quantization.zeroPoint }, undefined, undefined, { i32: quantization.dimension }] };
    this.tensors.push([{ i32s: shape }, { u8: type }, { u32: buffer }, { string: name }, quantizationTable]);
    return this.tensors.length - 1;
  }

  float32(name: string, shape: number[], values: Float32Array): number {
    return this.tensor(name, shape, 0, new Uint8Array(values.buffer.slice(0)));
  }

  int32(name: string, shape: number[], values: number[]): number {
    return this.tensor(name, shape, 2, new Uint8Array(new Int32Array(values).buffer));
  }

  /** Adds an operator with builtin code `code`, options type `optionsType` and its options table fields. */
  operator(code: number, inputs: number[], outputs: number[], optionsType = 0, options?: (Field | undefined)[]): void {
    let opcode = this.opcodes.indexOf(code);
    if (opcode < 0) opcode = this.opcodes.push(code) - 1;
    this.operators.push([{ u32: opcode }, { i32s: inputs }, { i32s: outputs }, { u8: optionsType }, options && { table: options }]);
  }

  finish(inputs: number[], outputs: number[]): Uint8Array {
    // OperatorCode: deprecated_builtin_code (int8, capped at 127) and builtin_code (int32).
    const opcodes = this.opcodes.map((code): (Field | undefined)[] => [{ i8: Math.min(code, 127) }, undefined, { i32: 1 }, { i32: code }]);
    const subgraph: (Field | undefined)[] = [{ tables: this.tensors }, { i32s: inputs }, { i32s: outputs }, { tables: this.operators }, { string: 'main' }];
    return new FlatBufferWriter().finish([{ u32: 3 }, { tables: opcodes }, { tables: [subgraph] }, { string: 'hand-built test model' }, { tables: this.buffers }], 'TFL3');
  }
}

/** Uniform values in [low, high) from a seeded linear congruential generator. */
function randomValues(count: number, seed: number, low = -1, high = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + ((high - low) * state) / 4294967296;
  });
}

/** Rounds float32 values to float16 bits (round to nearest even), for a float16 weight buffer. */
function toFloat16(values: Float32Array): { bits: Uint8Array; rounded: Float32Array } {
  const bits = new Uint16Array(values.length);
  const rounded = new Float32Array(values.length);
  values.forEach((value, i) => {
    // The values here are normal float16 numbers in (-2, 2), so only the mantissa needs rounding.
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value);
    const f = view.getUint32(0);
    const sign = (f >>> 16) & 0x8000;
    const exponent = ((f >>> 23) & 0xff) - 127 + 15;
    let mantissa = f & 0x7fffff;
    let half = sign | (exponent << 10) | (mantissa >>> 13);
    mantissa &= 0x1fff;
    if (mantissa > 0x1000 || (mantissa === 0x1000 && (half & 1) === 1)) half++;
    bits[i] = value === 0 ? 0 : half;
    const e = (bits[i]! >> 10) & 0x1f;
    rounded[i] = value === 0 ? 0 : (bits[i]! & 0x8000 ? -1 : 1) * 2 ** (e - 15) * (1 + (bits[i]! & 0x3ff) / 1024);
  });
  return { bits: new Uint8Array(bits.buffer), rounded };
}

/** Builtin operator codes and options types from the TFLite schema. */
const OP = { ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9, LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RESHAPE: 22, SOFTMAX: 25, PAD: 34, MEAN: 40, SQUEEZE: 43, HARD_SWISH: 117 };
const OPTIONS = { Conv2D: 1, DepthwiseConv2D: 2, ConcatEmbeddings: 3, Pool2D: 5, FullyConnected: 8, Softmax: 9, Concatenation: 10, Add: 11, Reshape: 17, Mul: 21, Pad: 22, Reducer: 27, Squeeze: 30 };
const SAME = 0;
const VALID = 1;
const RELU = 1;
const RELU6 = 3;

let gpu: OffshelfDevice;

beforeAll(async () => {
  await tf.setBackend('cpu');
  gpu = await requestDevice();
});

afterAll(() => {
  gpu?.destroy();
});

describe('TFLite operators on the runner', () => {
  it('matches TF.js ops on a hand-built model', async () => {
    const model = new TfliteModelBuilder();
    const input = model.tensor('input', [1, 7, 9, 3]);

    // PAD with uneven paddings, then a VALID stride-2 conv with float16 weights behind a DEQUANTIZE.
    const paddings = model.int32('paddings', [4, 2], [0, 0, 1, 0, 0, 2, 0, 0]);
    const padded = model.tensor('padded', [1, 8, 11, 3]);
    model.operator(OP.PAD, [input, paddings], [padded], OPTIONS.Pad, []);
    const convWeights = randomValues(4 * 3 * 3 * 3, 1);
    const half = toFloat16(convWeights);
    const convFilter16 = model.tensor('conv_filter_f16', [4, 3, 3, 3], 1, half.bits);
    const convFilter = model.tensor('conv_filter', [4, 3, 3, 3]);
    model.operator(OP.DEQUANTIZE, [convFilter16], [convFilter]);
    const convBias = randomValues(4, 2, -0.2, 0.2);
    const conv = model.tensor('conv', [1, 3, 5, 4]);
    model.operator(OP.CONV_2D, [padded, convFilter, model.float32('conv_bias', [4], convBias)], [conv], OPTIONS.Conv2D, [{ u8: VALID }, { i32: 2 }, { i32: 2 }, { u8: RELU }]);

    // A SAME depthwise conv with depth_multiplier 2 and RELU6, then SAME pools.
    const depthwiseWeights = randomValues(3 * 3 * 8, 3);
    const depthwiseBias = randomValues(8, 4, -0.2, 0.2);
    const depthwise = model.tensor('depthwise', [1, 3, 5, 8]);
    model.operator(
      OP.DEPTHWISE_CONV_2D,
      [conv, model.float32('depthwise_filter', [1, 3, 3, 8], depthwiseWeights), model.float32('depthwise_bias', [8], depthwiseBias)],
      [depthwise],
      OPTIONS.DepthwiseConv2D,
      [{ u8: SAME }, { i32: 1 }, { i32: 1 }, { i32: 2 }, { u8: RELU6 }],
    );
    const maxPooled = model.tensor('max_pooled', [1, 2, 3, 8]);
    model.operator(OP.MAX_POOL_2D, [depthwise], [maxPooled], OPTIONS.Pool2D, [{ u8: SAME }, { i32: 2 }, { i32: 2 }, { i32: 2 }, { i32: 2 }, { u8: 0 }]);
    const averaged = model.tensor('averaged', [1, 3, 5, 8]);
    model.operator(OP.AVERAGE_POOL_2D, [depthwise], [averaged], OPTIONS.Pool2D, [{ u8: SAME }, { i32: 1 }, { i32: 1 }, { i32: 3 }, { i32: 3 }, { u8: 0 }]);

    // Element-wise ops: HARD_SWISH, MUL by a per-channel constant, ADD, LOGISTIC, CONCATENATION on channels.
    const swished = model.tensor('swished', [1, 3, 5, 8]);
    model.operator(OP.HARD_SWISH, [averaged], [swished]);
    const channelScale = randomValues(8, 5, 0.5, 1.5);
    const scaled = model.tensor('scaled', [1, 3, 5, 8]);
    model.operator(OP.MUL, [swished, model.float32('channel_scale', [8], channelScale)], [scaled], OPTIONS.Mul, [{ u8: 0 }]);
    const summed = model.tensor('summed', [1, 3, 5, 8]);
    model.operator(OP.ADD, [scaled, depthwise], [summed], OPTIONS.Add, [{ u8: 0 }]);
    const gate = model.tensor('gate', [1, 3, 5, 8]);
    model.operator(OP.LOGISTIC, [summed], [gate]);
    const joined = model.tensor('joined', [1, 3, 5, 16]);
    model.operator(OP.CONCATENATION, [summed, gate], [joined], OPTIONS.Concatenation, [{ i32: 3 }, { u8: 0 }]);

    // MEAN over H and W, a RESHAPE that flattens an NHWC map (element order matters), and a 2-D concat.
    const mean = model.tensor('mean', [1, 16]);
    model.operator(OP.MEAN, [joined, model.int32('mean_axes', [2], [1, 2])], [mean], OPTIONS.Reducer, [{ u8: 0 }]);
    const flat = model.tensor('flat', [1, 48]);
    model.operator(OP.RESHAPE, [maxPooled, model.int32('flat_shape', [2], [1, 48])], [flat], OPTIONS.Reshape, []);
    const features = model.tensor('features', [1, 64]);
    model.operator(OP.CONCATENATION, [mean, flat], [features], OPTIONS.Concatenation, [{ i32: 1 }, { u8: 0 }]);

    // FULLY_CONNECTED with int8 per-channel weights and RELU, then SOFTMAX with beta, RESHAPE + SQUEEZE, RELU.
    const fcQuantized = Int8Array.from(randomValues(5 * 64, 6, -127, 127), (v) => Math.round(v));
    const fcScales = Array.from(randomValues(5, 7, 0.002, 0.01));
    const fcBias = randomValues(5, 8, -0.1, 0.1);
    const logits = model.tensor('logits', [1, 5]);
    const fcWeights = model.tensor('fc_weights', [5, 64], 9, new Uint8Array(fcQuantized.buffer), { scale: fcScales, zeroPoint: [0, 0, 0, 0, 0], dimension: 0 });
    model.operator(OP.FULLY_CONNECTED, [features, fcWeights, model.float32('fc_bias', [5], fcBias)], [logits], OPTIONS.FullyConnected, [{ u8: RELU }]);
    const probabilities = model.tensor('probabilities', [1, 5]);
    model.operator(OP.SOFTMAX, [logits], [probabilities], OPTIONS.Softmax, [{ f32: 0.5 }]);
    const expanded = model.tensor('expanded', [1, 1, 1, 5]);
    model.operator(OP.RESHAPE, [logits, model.int32('expanded_shape', [4], [1, 1, 1, 5])], [expanded], OPTIONS.Reshape, []);
    const squeezed = model.tensor('squeezed', [1, 5]);
    model.operator(OP.SQUEEZE, [expanded], [squeezed], OPTIONS.Squeeze, [{ i32s: [1, 2] }]);
    const rectified = model.tensor('rectified', [1, 16]);
    model.operator(OP.RELU, [mean], [rectified]);

    const graph = tfliteToGraph(model.finish([input], [probabilities, squeezed, rectified]), 'hand-built.tflite');

    // The same computation in TF.js, NHWC.
    const x = tf.tensor4d(randomValues(7 * 9 * 3, 9), [1, 7, 9, 3]);
    const reference = tf.tidy(() => {
      const tPadded = tf.pad(x, [[0, 0], [1, 0], [0, 2], [0, 0]]);
      const tConv = tf.relu(tf.add(tf.conv2d(tPadded, tf.transpose(tf.tensor4d(half.rounded, [4, 3, 3, 3]), [1, 2, 3, 0]) as tf.Tensor4D, 2, 'valid'), convBias));
      const tDepthwise = tf.clipByValue(tf.add(tf.depthwiseConv2d(tConv as tf.Tensor4D, tf.tensor4d(depthwiseWeights, [3, 3, 4, 2]), 1, 'same'), depthwiseBias), 0, 6) as tf.Tensor4D;
      const tMax = tf.maxPool(tDepthwise, 2, 2, 'same');
      const tAverage = tf.avgPool(tDepthwise, 3, 1, 'same');
      const tSwish = tf.div(tf.mul(tAverage, tf.clipByValue(tf.add(tAverage, 3), 0, 6)), 6);
      const tSummed = tf.add(tf.mul(tSwish, channelScale), tDepthwise);
      const tGate = tf.sigmoid(tSummed);
      const tJoined = tf.concat([tSummed, tGate], 3);
      const tMean = tf.mean(tJoined, [1, 2]);
      const tFlat = tf.reshape(tMax, [1, 48]);
      const tFeatures = tf.concat([tMean, tFlat], 1);
      const dequantized = tf.mul(tf.tensor2d(Float32Array.from(fcQuantized), [5, 64]), tf.tensor2d(fcScales, [5, 1]));
      const tLogits = tf.relu(tf.add(tf.matMul(tFeatures, dequantized, false, true), fcBias));
      return {
        depthwise: tDepthwise,
        max_pooled: tMax,
        averaged: tAverage,
        joined: tJoined,
        flat: tFlat,
        features: tFeatures,
        probabilities: tf.softmax(tf.mul(tLogits, 0.5)),
        squeezed: tLogits,
        rectified: tf.relu(tMean),
      } as Record<string, tf.Tensor>;
    });

    const names = Object.keys(reference);
    const extractor = await createFeatureExtractor(gpu.device, graph, { layer: 'features', batchSize: 1, keep: names });
    try {
      const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
      const ours = await extractor.runTensors({ [graph.inputs[0]!.name]: { data: nchw, shape: [1, 3, 7, 9] } }, names);
      for (const name of names) {
        const tensor = reference[name]!;
        const expected = tf.tidy(() => (tensor.rank === 4 ? tf.transpose(tensor, [0, 3, 1, 2]) : tensor).dataSync() as Float32Array);
        expect(ours[name]!.data.length, `${name} size`).toBe(expected.length);
        const error = compareTensors(ours[name]!.data, expected);
        expect(error.relative, `${name}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
      }
    } finally {
      extractor.dispose();
      tf.dispose([x, ...Object.values(reference)]);
    }
  });
});
