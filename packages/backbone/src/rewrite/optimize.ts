import type { Graph } from '../ir/graph';
import { inferShapes } from '../ir/shape-inference';
import { foldBatchNorm } from './fold-batch-norm';
import { fuseEpilogues } from './fuse-epilogue';
import { removeIdentity } from './remove-identity';
import { subsampleStridedPointwise } from './subsample-strided-pointwise';

export interface OptimizeOptions {
  /** Values that must stay observable (feature taps); graph outputs are always kept. */
  keep?: readonly string[];
  /** Skip fusion, so every ONNX node's output stays observable (for debugging parity). */
  fuse?: boolean;
}

/**
 * Returns a copy of `graph` with the load-time rewrites applied: Identity/Dropout removed,
 * BatchNormalization folded into the preceding Conv, activations and residual Adds fused
 * into Conv/Gemm epilogues, and strided 1×1 convolutions split into a subsampling MaxPool
 * and a stride-1 convolution. Initializers are shared with the input graph, never modified.
 */
export function optimizeGraph(graph: Graph, options: OptimizeOptions = {}): Graph {
  const copy: Graph = {
    ...graph,
    initializers: new Map(graph.initializers),
    nodes: graph.nodes.map((node) => ({ ...node, inputs: [...node.inputs], outputs: [...node.outputs], attributes: { ...node.attributes } })),
    valueInfo: new Map(graph.valueInfo),
  };
  const protectedValues = new Set([...graph.outputs.map((o) => o.name), ...(options.keep ?? [])]);
  if (graph.metadata.featureOutput) protectedValues.add(graph.metadata.featureOutput);

  removeIdentity(copy, protectedValues);
  if (options.fuse === false) return copy;

  foldBatchNorm(copy, protectedValues);
  const shapes = inferShapes(copy);
  for (const [name, shape] of shapes) copy.valueInfo.set(name, { name, dataType: 'float32', shape });
  fuseEpilogues(copy, protectedValues);
  subsampleStridedPointwise(copy);
  return copy;
}
