import {
  conv2dExpandDepthwise,
  expandDepthwiseMismatch,
  expandDepthwisePaysOff,
  EXPAND_DEPTHWISE_VARIANT,
  isClampActivation,
  type ExpandDepthwiseActivations,
  type ExpandDepthwiseShape,
  type KernelTarget,
  type WeightPrecision,
} from '@offshelf/core-wgsl';

import { numberAttribute, numbersAttribute, stringAttribute } from '../ir/attributes';
import type { Graph, Node } from '../ir/graph';
import { fusedActivation } from '../rewrite/fused-activation';
import { graphEdges, isPrivateValue } from '../rewrite/graph-edges';
import { toFloat32, type ConcreteShapes } from './lower-node';
import type { Step } from './step';

/** A 1×1 expansion convolution and the stride-2 3×3 depthwise convolution that alone reads its output. */
export interface ExpandDepthwisePair {
  expand: Node;
  depthwise: Node;
  shape: ExpandDepthwiseShape;
  activations: ExpandDepthwiseActivations;
}

/**
 * Finds the pairs that the fused expansion and depthwise kernel (conv2d-expand-depthwise.wgsl)
 * can run on `target`, keyed by the names of both nodes. The expansion's output must not be in
 * `keep`, because the fused kernel never writes it. Both nodes must be fused convolutions
 * (`offshelf.FusedConv`) without a residual, with constant float weights. Only CPU adapters fuse,
 * and only where fusion pays off (expandDepthwisePaysOff).
 */
export function findExpandDepthwisePairs(
  graph: Graph, shapes: ConcreteShapes, target: KernelTarget, keep: ReadonlySet<string>,
): Map<string, ExpandDepthwisePair> {
  const pairs = new Map<string, ExpandDepthwisePair>();
  // NOTE: each invocation walks a whole column strip, so a GPU would run few, long invocations.
  // The kernel has not been timed on one, so GPUs keep the two kernels.
  if (target.cpuAdapter !== true) return pairs;

  const edges = graphEdges(graph);
  for (const expand of graph.nodes) {
    const expanded = expand.outputs[0]!;
    if (!isPrivateValue(edges, expanded, keep)) continue;
    const pair = matchPair(graph, shapes, target, expand, edges.consumers.get(expanded)![0]!);
    if (pair) {
      pairs.set(expand.name, pair);
      pairs.set(pair.depthwise.name, pair);
    }
  }
  return pairs;
}

/**
 * Lowers a pair to one dispatch that reads the expansion's input and writes the depthwise output.
 * `weightPrecision` sets the storage of the expansion weights.
 */
export function lowerExpandDepthwise(graph: Graph, pair: ExpandDepthwisePair, target: KernelTarget, weightPrecision: WeightPrecision): Step {
  const { expand, depthwise, shape } = pair;
  const kernel = conv2dExpandDepthwise(shape, pair.activations, target, weightPrecision);
  // A missing bias adds zeros.
  const floats = (name: string | undefined, length: number): Float32Array => {
    const tensor = name ? graph.initializers.get(name) : undefined;
    return tensor ? toFloat32(tensor) : new Float32Array(length);
  };
  const channelWeights = kernel.packChannelWeights(
    floats(depthwise.inputs[1], shape.channels * 9), floats(depthwise.inputs[2], shape.channels), floats(expand.inputs[2], shape.channels),
  );
  return {
    node: `${expand.name}+${depthwise.name}`,
    program: kernel.program,
    inputs: [
      { value: expand.inputs[0]! },
      { constant: `${expand.inputs[1]!}#${EXPAND_DEPTHWISE_VARIANT}#${weightPrecision}`, data: kernel.packExpandWeights(floats(expand.inputs[1], shape.channels * shape.inChannels)) },
      { constant: `${depthwise.inputs[1]!}#${EXPAND_DEPTHWISE_VARIANT}`, data: channelWeights },
    ],
    output: depthwise.outputs[0]!,
  };
}

function matchPair(graph: Graph, shapes: ConcreteShapes, target: KernelTarget, expand: Node, depthwise: Node): ExpandDepthwisePair | null {
  if (expand.opType !== 'offshelf.FusedConv' || depthwise.opType !== 'offshelf.FusedConv') return null;
  if (stringAttribute(expand, 'residual', 'none') !== 'none' || stringAttribute(depthwise, 'residual', 'none') !== 'none') return null;
  if (depthwise.inputs[0] !== expand.outputs[0]) return null;

  const input = shapes.get(expand.inputs[0]!);
  const expandWeights = graph.initializers.get(expand.inputs[1]!);
  const depthwiseWeights = graph.initializers.get(depthwise.inputs[1]!);
  if (!input || input.length !== 4 || !expandWeights || !depthwiseWeights) return null;
  const [batch, inChannels, height, width] = input as [number, number, number, number];
  const channels = expandWeights.shape[0]!;

  // The expansion: a 1×1 convolution with stride 1, no padding and one group.
  const isOnes = (values: number[]): boolean => values.every((value) => value === 1);
  const isZeros = (values: number[]): boolean => values.every((value) => value === 0);
  if (expandWeights.shape.join() !== [channels, inChannels, 1, 1].join() || numberAttribute(expand, 'group', 1) !== 1) return null;
  if (!isOnes(numbersAttribute(expand, 'strides', [1, 1])) || !isZeros(numbersAttribute(expand, 'pads', [0, 0, 0, 0]))) return null;

  // The depthwise convolution: 3×3, one channel per group, stride 2, dilation 1.
  if (depthwiseWeights.shape.join() !== [channels, 1, 3, 3].join() || numberAttribute(depthwise, 'group', 1) !== channels) return null;
  if (numbersAttribute(depthwise, 'strides', [1, 1]).join() !== '2,2' || !isOnes(numbersAttribute(depthwise, 'dilations', [1, 1]))) return null;
  const pads = numbersAttribute(depthwise, 'pads', [0, 0, 0, 0]);
  if (pads.length !== 4) return null;

  const activations = { expand: fusedActivation(expand), depthwise: fusedActivation(depthwise) };
  if (!isClampActivation(activations.expand) || !isClampActivation(activations.depthwise)) return null;
  const shape: ExpandDepthwiseShape = {
    batch, inChannels, height, width, channels, padTop: pads[0]!, padLeft: pads[1]!, padBottom: pads[2]!, padRight: pads[3]!,
  };
  if (expandDepthwiseMismatch(shape, activations, target) !== null || !expandDepthwisePaysOff(shape)) return null;
  return { expand, depthwise, shape, activations };
}
