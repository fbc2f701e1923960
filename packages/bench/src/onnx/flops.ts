import type { BenchGraph, GraphNode } from './read-graph';

/** Floating-point operations of one image's forward pass, split by operator type. */
export interface FlopCount {
  total: number;
  byOpType: Record<string, number>;
}

/**
 * Counts the FLOPs of one image through the graph: 2 per multiply-accumulate in Conv, Gemm
 * and MatMul, one per output element for Add, Relu and Clip, one per window element for
 * pooling. Shapes are inferred for the operators the benchmark models use; any other
 * operator is rejected so that a figure is never silently low.
 */
export function countFlops(graph: BenchGraph): FlopCount {
  const shapes = new Map<string, number[]>();
  shapes.set(graph.inputName, [1, ...graph.inputShape]);
  for (const [name, weight] of graph.weights) shapes.set(name, weight.shape);

  const byOpType: Record<string, number> = {};
  for (const node of graph.nodes) {
    const { shape, flops } = inferNode(node, shapes, graph);
    shapes.set(node.outputs[0]!, shape);
    byOpType[node.opType] = (byOpType[node.opType] ?? 0) + flops;
  }

  const total = Object.values(byOpType).reduce((a, b) => a + b, 0);
  return { total, byOpType };
}

function inferNode(node: GraphNode, shapes: Map<string, number[]>, graph: BenchGraph): { shape: number[]; flops: number } {
  const input = shapes.get(node.inputs[0] ?? '');
  if (!input) throw new Error(`countFlops: node '${node.name}' (${node.opType}) reads '${node.inputs[0]}', whose shape is unknown.`);
  const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

  switch (node.opType) {
    case 'Conv': {
      const weight = graph.weights.get(node.inputs[1] ?? '');
      if (!weight) throw new Error(`countFlops: Conv '${node.name}' has no constant weight.`);
      const [outChannels, channelsPerGroup, kh, kw] = weight.shape as [number, number, number, number];
      const strides = (node.attributes.strides as number[] | undefined) ?? [1, 1];
      const dilations = (node.attributes.dilations as number[] | undefined) ?? [1, 1];
      const pads = (node.attributes.pads as number[] | undefined) ?? [0, 0, 0, 0];
      if (node.attributes.auto_pad && node.attributes.auto_pad !== 'NOTSET') {
        throw new Error(`countFlops: Conv '${node.name}' uses auto_pad, which the bench does not infer; write explicit pads.`);
      }
      const height = Math.floor((input[2]! + pads[0]! + pads[2]! - dilations[0]! * (kh - 1) - 1) / strides[0]!) + 1;
      const width = Math.floor((input[3]! + pads[1]! + pads[3]! - dilations[1]! * (kw - 1) - 1) / strides[1]!) + 1;
      const shape = [input[0]!, outChannels, height, width];
      return { shape, flops: 2 * elements(shape) * channelsPerGroup * kh * kw };
    }
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = node.attributes.kernel_shape as number[];
      const strides = (node.attributes.strides as number[] | undefined) ?? [1, 1];
      const pads = (node.attributes.pads as number[] | undefined) ?? [0, 0, 0, 0];
      const height = Math.floor((input[2]! + pads[0]! + pads[2]! - kernel[0]!) / strides[0]!) + 1;
      const width = Math.floor((input[3]! + pads[1]! + pads[3]! - kernel[1]!) / strides[1]!) + 1;
      const shape = [input[0]!, input[1]!, height, width];
      return { shape, flops: elements(shape) * kernel[0]! * kernel[1]! };
    }
    case 'GlobalAveragePool':
      return { shape: [input[0]!, input[1]!, 1, 1], flops: elements(input) };
    case 'Flatten':
    case 'Reshape':
      return { shape: [input[0]!, elements(input) / input[0]!], flops: 0 };
    case 'Relu':
    case 'Clip':
    case 'Add':
      return { shape: input, flops: elements(input) };
    case 'Gemm':
    case 'MatMul': {
      const weight = shapes.get(node.inputs[1] ?? '');
      if (!weight) throw new Error(`countFlops: ${node.opType} '${node.name}' has no constant weight.`);
      const transposed = node.opType === 'Gemm' && node.attributes.transB === 1;
      const outputs = transposed ? weight[0]! : weight[1]!;
      const depth = input[input.length - 1]!;
      return { shape: [input[0]!, outputs], flops: 2 * input[0]! * depth * outputs };
    }
    default:
      throw new Error(`countFlops: operator ${node.opType} (node '${node.name}') has no FLOP rule; add one in flops.ts.`);
  }
}
