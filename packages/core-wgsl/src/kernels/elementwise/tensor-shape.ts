import type { UniformField, UniformType } from '../../runtime/program';

/** Highest tensor rank the shape-generic kernels (broadcasting, transpose, reduce, pad) accept. */
export const MAX_RANK = 6;

/** Row-major (C-order) strides of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis]!;
  }
  return strides;
}

/** Number of elements of a tensor of `shape` (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * Output shape of numpy/ONNX multidirectional broadcasting: shapes are aligned on the
 * right, and each pair of sizes must be equal or contain a 1.
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const result = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const sizeA = a[a.length - rank + i] ?? 1;
    const sizeB = b[b.length - rank + i] ?? 1;
    if (sizeA !== sizeB && sizeA !== 1 && sizeB !== 1) {
      throw new Error(
        `Shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast: axis ${i} of the output has sizes ${sizeA} and ${sizeB}. ` +
          'Each pair of sizes, aligned on the right, must be equal or contain a 1.',
      );
    }
    result[i] = sizeA === 1 ? sizeB : sizeA;
  }
  return result;
}

/** Rejects a shape above {@link MAX_RANK} or with a negative or fractional size, naming the kernel. */
export function checkShape(kernel: string, name: string, shape: readonly number[]): void {
  if (shape.length > MAX_RANK) {
    throw new Error(`${kernel}: ${name} has rank ${shape.length}, above the supported maximum of ${MAX_RANK}. Reshape it to merge axes.`);
  }
  for (const size of shape) {
    if (!Number.isInteger(size) || size < 0) {
      throw new Error(`${kernel}: ${name} [${shape.join(', ')}] contains an invalid size ${size}. Sizes must be non-negative integers.`);
    }
  }
}

/**
 * Packs up to {@link MAX_RANK} u32 values as eight consecutive uniform fields, the layout of a
 * WGSL `array<vec4<u32>, 2>` (uniform arrays need a 16-byte element stride, so scalars go in vec4s).
 * Values are right-aligned: axis `MAX_RANK - 1` is always the innermost, and unused leading
 * entries hold `fill`.
 */
export function rankVectorFields(values: readonly number[], fill: number, type: UniformType = 'u32'): UniformField[] {
  const padded = new Array<number>(8 - MAX_RANK).fill(0);
  const leading = new Array<number>(MAX_RANK - values.length).fill(fill);
  return [...leading, ...values, ...padded].map((value) => [type, value] as const);
}

/** A shape with one stride list per tensor that walks it. */
export interface StridedAxes {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 axes and merges neighbouring axes that every tensor traverses contiguously
 * (stride of the outer axis = stride of the inner axis × its size), so that, for example,
 * `[1, C, H, W] + [1, C, 1, 1]` runs as the rank-2 problem `[C, H·W]`. Fewer axes mean
 * fewer integer divisions per element in the shaders.
 */
export function mergeAxes(shape: readonly number[], strides: readonly (readonly number[])[]): StridedAxes {
  const merged: StridedAxes = { shape: [], strides: strides.map(() => []) };
  for (let axis = 0; axis < shape.length; axis++) {
    const size = shape[axis]!;
    if (size === 1) continue;

    const last = merged.shape.length - 1;
    const contiguous = last >= 0 && strides.every((tensor, t) => merged.strides[t]![last] === tensor[axis]! * size);
    if (contiguous) {
      merged.shape[last] = merged.shape[last]! * size;
      strides.forEach((tensor, t) => {
        merged.strides[t]![last] = tensor[axis]!;
      });
    } else {
      merged.shape.push(size);
      strides.forEach((tensor, t) => merged.strides[t]!.push(tensor[axis]!));
    }
  }
  return merged;
}

/** WGSL accessor suffix of axis `axis` (0..5) in a field packed by {@link rankVectorFields}, such as `[1].y`. */
export function rankVectorComponent(axis: number): string {
  return `[${Math.floor(axis / 4)}].${'xyzw'[axis % 4]}`;
}

/**
 * Generates WGSL that splits the linear index `index` over the last `rank` axes of the uniform
 * field `params.<shape>` and accumulates each coordinate times `params.<stride field>` into a
 * new `var <target>: u32` per entry of `strides`. The loop over axes is unrolled with constant
 * component indices, because a loop with dynamic indexing into uniform vectors made a broadcast
 * Mul over 1x96x56x56 3-10x slower on lavapipe (Mesa 25, best of 5 runs on a shared 2-core
 * machine). The outermost axis needs no modulo, since the index is in range.
 */
export function stridedOffsetsWgsl(rank: number, index: string, shape: string, strides: ReadonlyArray<readonly [target: string, field: string]>): string {
  const lines = strides.map(([target]) => `var ${target} = 0u;`);
  lines.push(`var rest_of_${index} = ${index};`);
  for (let axis = MAX_RANK - 1; axis >= MAX_RANK - rank; axis--) {
    const component = rankVectorComponent(axis);
    const coordinate = `coordinate_${axis}_of_${index}`;
    if (axis === MAX_RANK - rank) {
      lines.push(`let ${coordinate} = rest_of_${index};`);
    } else {
      lines.push(`let ${coordinate} = rest_of_${index} % params.${shape}${component};`);
      lines.push(`rest_of_${index} = rest_of_${index} / params.${shape}${component};`);
    }
    for (const [target, field] of strides) lines.push(`${target} += ${coordinate} * params.${field}${component};`);
  }
  return lines.join('\n');
}
