import type { Graph, Node } from '../ir/graph';

/**
 * Splits each strided 1×1 convolution (ResNet's downsampling shortcuts) into a 1×1 MaxPool
 * with the same strides, which only picks every s-th pixel, and the convolution at stride 1.
 * The stride-1 form runs on the 1×1 GEMM kernel with vec4 loads. On lavapipe
 * the three ResNet-50 shortcuts took 45-70 ms each on the implicit-GEMM path (3-5 GFLOP/s).
 * Stride-1 1×1 layers of the same size ran at 7-15 GFLOP/s (core-wgsl bench/kernels.ts).
 * Runs after fusion, so the convolution keeps its epilogue.
 */
export function subsampleStridedPointwise(graph: Graph): void {
  const rewritten: Node[] = [];
  const usedNames = new Set([...graph.nodes.flatMap((node) => node.outputs), ...graph.initializers.keys()]);
  for (const node of graph.nodes) {
    const strides = stridedPointwiseStrides(graph, node);
    if (!strides) {
      rewritten.push(node);
      continue;
    }

    const subsampled = uniqueName(usedNames, `${node.name}/subsampled`);
    usedNames.add(subsampled);
    rewritten.push({
      name: `${node.name}/subsample`,
      opType: 'MaxPool',
      inputs: [node.inputs[0]!],
      outputs: [subsampled],
      attributes: { kernel_shape: strides.map(() => 1), strides, pads: strides.flatMap(() => [0, 0]) },
    });
    node.inputs = [subsampled, ...node.inputs.slice(1)];
    node.attributes = { ...node.attributes, strides: strides.map(() => 1) };
    rewritten.push(node);
  }
  graph.nodes = rewritten;
}

/** Returns the strides of a 2-D, one-group, unpadded 1×1 convolution with a stride above 1, else null. */
function stridedPointwiseStrides(graph: Graph, node: Node): number[] | null {
  if (node.opType !== 'Conv' && node.opType !== 'offshelf.FusedConv') return null;
  const weights = graph.initializers.get(node.inputs[1]!);
  if (!weights || weights.shape.length !== 4 || weights.shape[2] !== 1 || weights.shape[3] !== 1) return null;
  if ('auto_pad' in node.attributes && node.attributes.auto_pad !== 'NOTSET' && node.attributes.auto_pad !== 'VALID') return null;

  const group = node.attributes.group ?? 1;
  const pads = (node.attributes.pads as number[] | undefined) ?? [0, 0, 0, 0];
  const strides = (node.attributes.strides as number[] | undefined) ?? [1, 1];
  if (group !== 1 || pads.some((pad) => pad !== 0) || strides.length !== 2) return null;
  return strides.some((stride) => stride > 1) ? [...strides] : null;
}

/** Returns `base`, or `base` with the smallest suffix from 2 up that no value uses yet. */
function uniqueName(usedNames: ReadonlySet<string>, base: string): string {
  let name = base;
  for (let i = 2; usedNames.has(name); i++) name = `${base}${i}`;
  return name;
}
