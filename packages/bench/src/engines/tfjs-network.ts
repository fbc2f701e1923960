import type * as tfType from '@tensorflow/tfjs-core';

import type { BenchGraph, GraphNode } from '../onnx/read-graph';

type Tf = typeof tfType;
type Tensor = tfType.Tensor;
type Activation = 'linear' | 'relu' | 'relu6';
/** Explicit NHWC padding: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

function explicitPadding(pads: number[]): ExplicitPadding {
  // ONNX pads are [top, left, bottom, right].
  return [[0, 0], [pads[0]!, pads[2]!], [pads[1]!, pads[3]!], [0, 0]];
}

/** One step of the NHWC network: a function from the values computed so far to this node's output. */
type Step = (values: Map<string, Tensor>) => Tensor;

/**
 * Translates the ONNX graph into TensorFlow.js ops in NHWC, the layout TF.js kernels are written
 * for: Conv weights OIHW become HWIO (depthwise: HW·C·1), and a Conv followed by its only
 * consumer Relu or Clip(0, 6) becomes one `tf.fused` op, as the TF.js converter would produce.
 */
export class TfjsNetwork {
  private readonly steps: Step[] = [];
  private readonly weights: Tensor[] = [];

  constructor(
    private readonly tf: Tf,
    private readonly graph: BenchGraph,
  ) {
    const consumers = countConsumers(graph.nodes);
    const fusedAway = new Set<GraphNode>();

    for (let index = 0; index < graph.nodes.length; index++) {
      const node = graph.nodes[index]!;
      if (fusedAway.has(node)) continue;

      if (node.opType === 'Conv') {
        const next = graph.nodes[index + 1];
        const activation = next && consumers.get(node.outputs[0]!) === 1 && next.inputs[0] === node.outputs[0] ? activationOf(next, graph) : null;
        if (next && activation) fusedAway.add(next);
        this.addConv(node, activation ?? 'linear', activation && next ? next.outputs[0]! : node.outputs[0]!);
        continue;
      }
      this.addOther(node);
    }
  }

  /** Runs the network on an NCHW batch and returns the output tensor (the caller disposes it). */
  predict(inputNchw: Float32Array, batch: number): Tensor {
    const tf = this.tf;
    return tf.tidy(() => {
      const values = new Map<string, Tensor>();
      const [channels, height, width] = this.graph.inputShape as [number, number, number];
      const nchw = tf.tensor4d(inputNchw, [batch, channels, height, width]);
      values.set(this.graph.inputName, tf.transpose(nchw, [0, 2, 3, 1]));

      let last: Tensor | undefined;
      for (const step of this.steps) last = step(values);
      if (!last) throw new Error('TfjsNetwork: the graph has no nodes.');
      return values.get(this.graph.outputName) ?? last;
    });
  }

  dispose(): void {
    for (const weight of this.weights) weight.dispose();
  }

  private addConv(node: GraphNode, activation: Activation, output: string): void {
    const tf = this.tf;
    const weight = this.graph.weights.get(node.inputs[1]!)!;
    const [outChannels, channelsPerGroup, kh, kw] = weight.shape as [number, number, number, number];
    const group = (node.attributes.group as number | undefined) ?? 1;
    const strides = ((node.attributes.strides as number[] | undefined) ?? [1, 1]) as [number, number];
    const dilations = ((node.attributes.dilations as number[] | undefined) ?? [1, 1]) as [number, number];
    const pads = (node.attributes.pads as number[] | undefined) ?? [0, 0, 0, 0];
    const pad = explicitPadding(pads);

    const oihw = tf.tensor4d(weight.data, [outChannels, channelsPerGroup, kh, kw]);
    const biasWeight = node.inputs[2] ? this.graph.weights.get(node.inputs[2]) : undefined;
    const bias = biasWeight ? this.keep(tf.tensor1d(biasWeight.data)) : undefined;

    if (group === 1) {
      const filter = this.keep(tf.transpose(oihw, [2, 3, 1, 0]));
      oihw.dispose();
      this.steps.push((values) => {
        const x = values.get(node.inputs[0]!) as tfType.Tensor4D;
        const y = tf.fused.conv2d({ x, filter: filter as tfType.Tensor4D, strides, pad, dataFormat: 'NHWC', dilations, bias, activation });
        values.set(output, y);
        return y;
      });
      return;
    }

    if (channelsPerGroup === 1 && group === outChannels) {
      // Depthwise: ONNX [C, 1, kh, kw] becomes TF.js [kh, kw, C, 1].
      const filter = this.keep(tf.transpose(oihw, [2, 3, 0, 1]));
      oihw.dispose();
      // tf.fused.depthwiseConv2d takes only symmetric padding, so asymmetric pads become a tf.pad first.
      const symmetric = pads.every((p) => p === pads[0]);
      this.steps.push((values) => {
        const input = values.get(node.inputs[0]!) as tfType.Tensor4D;
        const x = symmetric ? input : (tf.pad(input, pad) as tfType.Tensor4D);
        const depthwisePad = symmetric ? pads[0]! : 'valid';
        const y = tf.fused.depthwiseConv2d({ x, filter: filter as tfType.Tensor4D, strides, pad: depthwisePad, dataFormat: 'NHWC', dilations, bias, activation });
        values.set(output, y);
        return y;
      });
      return;
    }

    throw new Error(`TfjsNetwork: Conv '${node.name}' has group=${group} with ${channelsPerGroup} channels per group; only group=1 and depthwise convolutions are translated.`);
  }

  private addOther(node: GraphNode): void {
    const tf = this.tf;
    const input = node.inputs[0]!;
    const output = node.outputs[0]!;
    const unary = (op: (x: Tensor) => Tensor): void => {
      this.steps.push((values) => {
        const y = op(values.get(input)!);
        values.set(output, y);
        return y;
      });
    };

    switch (node.opType) {
      case 'Relu':
        return unary((x) => tf.relu(x));
      case 'Clip': {
        const [min, max] = clipRange(node, this.graph);
        return unary((x) => (min === 0 && max === 6 ? tf.relu6(x) : tf.clipByValue(x, min, max)));
      }
      case 'Add':
        this.steps.push((values) => {
          const y = tf.add(values.get(input)!, values.get(node.inputs[1]!)!);
          values.set(output, y);
          return y;
        });
        return;
      case 'MaxPool': {
        const kernel = node.attributes.kernel_shape as [number, number];
        const strides = ((node.attributes.strides as number[] | undefined) ?? [1, 1]) as [number, number];
        const pads = (node.attributes.pads as number[] | undefined) ?? [0, 0, 0, 0];
        if (pads.some((p) => p !== pads[0])) {
          // tf.maxPool takes only symmetric padding, so asymmetric pads are applied first with the lowest float32.
          const padding = explicitPadding(pads);
          return unary((x) => tf.maxPool(tf.pad(x, padding, -3.4e38) as tfType.Tensor4D, kernel, strides, 'valid'));
        }
        return unary((x) => tf.maxPool(x as tfType.Tensor4D, kernel, strides, pads[0]!));
      }
      case 'GlobalAveragePool':
        return unary((x) => tf.mean(x, [1, 2], true));
      case 'Flatten':
        return unary((x) => {
          if (x.shape[1] !== 1 || x.shape[2] !== 1) {
            throw new Error(`TfjsNetwork: Flatten '${node.name}' of a ${x.shape.join('×')} NHWC map would reorder features; only 1×1 maps are translated.`);
          }
          return tf.reshape(x, [x.shape[0]!, -1]);
        });
      case 'Gemm': {
        // Y = X · B (or X · Bᵀ with transB) + C, as a fully connected layer exports.
        const weight = this.graph.weights.get(node.inputs[1] ?? '');
        const transA = (node.attributes.transA as number | undefined) ?? 0;
        const alpha = (node.attributes.alpha as number | undefined) ?? 1;
        const beta = (node.attributes.beta as number | undefined) ?? 1;
        if (!weight || transA !== 0 || alpha !== 1 || beta !== 1) {
          throw new Error(`TfjsNetwork: Gemm '${node.name}' needs a constant B, transA=0, alpha=1 and beta=1 to be translated.`);
        }
        const b = this.keep(tf.tensor2d(weight.data, weight.shape as [number, number]));
        const transB = ((node.attributes.transB as number | undefined) ?? 0) === 1;
        const biasWeight = this.graph.weights.get(node.inputs[2] ?? '');
        const bias = biasWeight ? this.keep(tf.tensor(biasWeight.data, biasWeight.shape)) : null;
        return unary((x) => {
          const product = tf.matMul(x as tfType.Tensor2D, b, false, transB);
          return bias ? tf.add(product, bias) : product;
        });
      }
      default:
        throw new Error(`TfjsNetwork: operator ${node.opType} (node '${node.name}') is not translated to TF.js ops; add it in tfjs-network.ts.`);
    }
  }

  private keep<T extends Tensor>(tensor: T): T {
    this.weights.push(tensor);
    return tensor;
  }
}

function countConsumers(nodes: GraphNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of nodes) for (const input of node.inputs) counts.set(input, (counts.get(input) ?? 0) + 1);
  return counts;
}

function activationOf(node: GraphNode, graph: BenchGraph): Activation | null {
  if (node.opType === 'Relu') return 'relu';
  if (node.opType !== 'Clip') return null;
  const [min, max] = clipRange(node, graph);
  return min === 0 && max === 6 ? 'relu6' : null;
}

function clipRange(node: GraphNode, graph: BenchGraph): [number, number] {
  // Opset 11+ passes min and max as inputs; older opsets as attributes.
  const fromInput = (index: number, fallback: number): number => {
    const name = node.inputs[index];
    const value = name ? graph.weights.get(name)?.data[0] : undefined;
    return value ?? fallback;
  };
  const min = (node.attributes.min as number | undefined) ?? fromInput(1, -Infinity);
  const max = (node.attributes.max as number | undefined) ?? fromInput(2, Infinity);
  return [min, max];
}
