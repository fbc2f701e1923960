import { kernelTargetOf, pipelineCacheFor, prepareDispatch, releaseDispatch, type BufferRange, type PreparedDispatch, type WeightPrecision } from '@offshelf/core-wgsl';

import { InputTensorError, ModelImportError, type Graph, type Node } from '../ir/graph';
import { inferShapes } from '../ir/shape-inference';
import { assignBuffers } from './buffer-plan';
import type { ConstantStore } from './constant-store';
import { findExpandDepthwisePairs, lowerExpandDepthwise } from './lower-expand-depthwise';
import { lowerNode, type ConcreteShapes, type KernelVariants } from './lower-node';
import type { ByteRange, Step, View } from './step';

export interface PlanOptions {
  /** Values to compute and keep readable after a run. */
  keep: readonly string[];
  /** Reuse buffers of dead values (default true); false keeps every value readable (debug). */
  reuseBuffers?: boolean;
  /** Kernel variants to force where they apply. */
  kernelVariants?: KernelVariants;
  /** Storage type of convolution weights and constant GEMM B operands (default 'f32'). */
  weightPrecision?: WeightPrecision;
  /** Scratch bytes above which a multi-pass convolution runs over the batch in chunks (default 8 MiB). */
  maxScratchBytes?: number;
}

/** A graph planned for one set of input shapes: kernels chosen, buffers leased, bind groups made. */
export interface GraphPlan {
  inputShapes: Record<string, number[]>;
  shapes: ConcreteShapes;
  steps: Step[];
  dispatches: PreparedDispatch[];
  /** Buffer range holding `value` (inputs, activations and views). */
  rangeOf(value: string): BufferRange;
  /** Bytes of activation buffers this plan allocated (constants are counted by the `ConstantStore`). */
  activationBytes: number;
  /** Records every dispatch into one compute pass. */
  encode(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

/**
 * Plans `graph` for concrete input shapes: infers every shape, lowers the nodes needed for
 * `options.keep` to kernel dispatches (a 1×1 expansion and the stride-2 depthwise convolution
 * after it to one, where the fused kernel fits), leases activation buffers by liveness, compiles
 * all pipelines in parallel, and creates every bind group and uniform buffer once.
 */
export async function planGraph(
  device: GPUDevice,
  graph: Graph,
  inputShapes: Record<string, number[]>,
  constants: ConstantStore,
  options: PlanOptions,
): Promise<GraphPlan> {
  checkInputShapes(graph, inputShapes);
  const shapes = concreteShapes(graph, inputShapes);
  const needed = neededNodes(graph, options.keep);

  const target = kernelTargetOf(device);
  // Expansions run with the stride-2 depthwise convolutions after them where the fused kernel
  // fits, unless a convolution variant is forced (to bisect a parity error to one kernel).
  const pairs = options.kernelVariants?.conv2d === undefined ? findExpandDepthwisePairs(graph, shapes, target, new Set(options.keep)) : new Map();
  const steps: Step[] = [];
  const views: View[] = [];
  const scratchBytes = new Map<string, number>();
  for (const node of graph.nodes) {
    if (!needed.has(node)) continue;
    const pair = pairs.get(node.name);
    if (pair) {
      if (node === pair.depthwise) steps.push(lowerExpandDepthwise(graph, pair, target, options.weightPrecision ?? 'f32'));
      continue;
    }
    const lowered = lowerNode(graph, node, shapes, options.kernelVariants, options.weightPrecision, target, options.maxScratchBytes);
    if ('view' in lowered) {
      views.push(lowered.view);
      continue;
    }
    steps.push(...lowered.steps);
    for (const [name, bytes] of lowered.scratchBytes ?? []) scratchBytes.set(name, bytes);
  }

  const byteSizes = new Map<string, number>();
  for (const [name, shape] of shapes) {
    if (!graph.initializers.has(name)) byteSizes.set(name, 4 * shape.reduce((a, b) => a * b, 1));
  }
  // Scratch values between the dispatches of one node (such as Winograd's transforms) have no graph shape.
  for (const [name, bytes] of scratchBytes) byteSizes.set(name, bytes);
  const inputBytes = new Map(graph.inputs.map((input) => [input.name, byteSizes.get(input.name)!] as const));
  const assignment = assignBuffers(inputBytes, steps, views, byteSizes, new Set(options.keep), options.reuseBuffers ?? true);
  const buffers = assignment.bufferSizes.map((bytes, i) =>
    device.createBuffer({
      label: `activation ${i}`,
      size: Math.max(16, Math.ceil(bytes / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    }),
  );
  const rangeOf = (value: string): BufferRange => {
    const index = assignment.bufferOf.get(value);
    if (index === undefined) throw new Error(`value '${value}' has no buffer in this plan; request it in the outputs so it is computed and kept.`);
    return { buffer: buffers[index]!, size: byteSizes.get(value)! };
  };

  // Compile every distinct pipeline at once, so the driver can build them in parallel.
  const cache = pipelineCacheFor(device);
  await Promise.all(steps.map((step) => cache.getAsync(step.program)));

  // A step over part of the batch binds its images' bytes of the value's buffer.
  const partOf = (value: string, range: ByteRange | undefined): BufferRange =>
    range ? { buffer: rangeOf(value).buffer, offset: range.byteOffset, size: range.byteLength } : rangeOf(value);
  const dispatches = steps.map((step) => {
    const inputs = step.inputs.map((operand) => ('value' in operand ? partOf(operand.value, operand.range) : constants.get(operand.constant, operand.data)));
    return prepareDispatch(device, step.program, inputs, partOf(step.output, step.outputRange));
  });

  return {
    inputShapes,
    shapes,
    steps,
    dispatches,
    rangeOf,
    activationBytes: buffers.reduce((total, buffer) => total + buffer.size, 0),
    encode(encoder) {
      const pass = encoder.beginComputePass();
      for (const prepared of dispatches) {
        pass.setPipeline(prepared.pipeline);
        pass.setBindGroup(0, prepared.bindGroup);
        pass.dispatchWorkgroups(...prepared.program.dispatch);
      }
      pass.end();
    },
    destroy() {
      for (const prepared of dispatches) releaseDispatch(prepared);
      for (const buffer of buffers) buffer.destroy();
    },
  };
}

function checkInputShapes(graph: Graph, inputShapes: Record<string, number[]>): void {
  const file = graph.metadata.sourceName;
  for (const input of graph.inputs) {
    const shape = inputShapes[input.name];
    if (!shape) throw new InputTensorError(file, `input '${input.name}' was not given; the model needs shape [${input.shape.join(', ')}].`);
    const matches = shape.length === input.shape.length && input.shape.every((d, i) => typeof d !== 'number' || d === shape[i]);
    if (!matches || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new InputTensorError(file, `input '${input.name}' has shape [${shape.join(', ')}], but the model expects [${input.shape.join(', ')}].`);
    }
  }
}

function concreteShapes(graph: Graph, inputShapes: Record<string, number[]>): ConcreteShapes {
  const shapes = new Map<string, number[]>();
  for (const [name, shape] of inferShapes(graph, inputShapes)) {
    if (shape.some((d) => typeof d !== 'number')) {
      throw new ModelImportError(graph.metadata.sourceName, `the shape of '${name}' is [${shape.join(', ')}] even with all input sizes known.`);
    }
    shapes.set(name, shape as number[]);
  }
  return shapes;
}

/** Nodes that contribute to `keep`, walking back from those values. */
function neededNodes(graph: Graph, keep: readonly string[]): Set<Node> {
  const producer = new Map(graph.nodes.flatMap((node) => node.outputs.map((name) => [name, node] as const)));
  const needed = new Set<Node>();
  const pending = [...keep];
  while (pending.length > 0) {
    const node = producer.get(pending.pop()!);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    pending.push(...node.inputs.filter(Boolean));
  }
  return needed;
}
