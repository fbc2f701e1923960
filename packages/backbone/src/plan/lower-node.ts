import {
  batchNormalizationProgram,
  binaryProgram,
  concatPrograms,
  conv2dOutputLength,
  conv2dPasses,
  conv2dVariants,
  gemmVariants,
  globalPoolProgram,
  padProgram,
  pool2dProgram,
  reduceMeanProgram,
  softmaxProgram,
  transposeProgram,
  selectConv2d,
  selectGemm,
  unaryProgram,
  type Conv2dKernel,
  type Conv2dOperand,
  type Conv2dShape,
  type Epilogue,
  type GemmKernel,
  type GemmShape,
  type KernelTarget,
  type TuningKey,
  type WeightPrecision,
} from '@offshelf/core-wgsl';

import { numberAttribute, numbersAttribute, stringAttribute } from '../ir/attributes';
import type { Graph, Initializer, Node } from '../ir/graph';
import { VIEW_OPERATORS } from '../ir/operators';
import { activationOf, fusedActivation } from '../rewrite/fused-activation';
import type { ByteRange, Lowered, Operand, Step } from './step';

/** Concrete shapes of every value for one planned input shape. */
export type ConcreteShapes = Map<string, number[]>;

/** A graph node that has no kernel for its attributes or operand kinds. */
export class UnsupportedNodeError extends Error {
  constructor(node: Node, reason: string) {
    super(`node '${node.name}' (${node.opType}): ${reason}`);
    this.name = 'UnsupportedNodeError';
  }
}

/** Kernel variants to use where they apply, instead of the selectors' choice (for bisecting a parity error to a kernel). */
export interface KernelVariants {
  conv2d?: string;
  gemm?: string;
  /** Tuned variant for a conv or GEMM, used where no variant is forced; undefined keeps the selector's choice. */
  tuned?: (key: TuningKey) => string | undefined;
}

/**
 * Lowers one node to kernel dispatches (or a view), choosing kernel variants for the concrete shapes.
 * `weightPrecision` sets the storage type of convolution weights and of constant GEMM B operands.
 * `target` describes the device: its binding size rules out variants whose scratch buffers would
 * not fit, and its subgroups and kind select the subgroup variants (see `conv2dVariants`).
 * A multi-pass convolution whose scratch buffers would exceed `maxScratchBytes` runs over the
 * batch in chunks.
 */
export function lowerNode(
  graph: Graph,
  node: Node,
  shapes: ConcreteShapes,
  variants: KernelVariants = {},
  weightPrecision: WeightPrecision = 'f32',
  target: KernelTarget = {},
  maxScratchBytes = DEFAULT_MAX_SCRATCH_BYTES,
): Lowered {
  if (VIEW_OPERATORS.has(node.opType)) return { view: { node: node.name, input: node.inputs[0]!, output: node.outputs[0]! } };

  const activation = activationOf(node);
  if (activation) {
    const length = size(shapes.get(node.outputs[0]!)!);
    return { steps: [step(node, unaryProgram(length, activation), [operand(graph, node.inputs[0]!)])] };
  }

  switch (node.opType) {
    case 'Conv':
    case 'offshelf.FusedConv':
      return lowerConv(graph, node, shapes, variants, weightPrecision, target, maxScratchBytes);
    case 'Gemm':
    case 'offshelf.FusedGemm':
      return { steps: [lowerGemm(graph, node, shapes, variants, weightPrecision)] };
    case 'MatMul':
      return { steps: [lowerMatMul(graph, node, shapes, variants, weightPrecision)] };
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const program = binaryProgram({
        operator: node.opType.toLowerCase() as 'add' | 'sub' | 'mul' | 'div',
        aShape: shapes.get(node.inputs[0]!)!,
        bShape: shapes.get(node.inputs[1]!)!,
      });
      return { steps: [step(node, program, [operand(graph, node.inputs[0]!), operand(graph, node.inputs[1]!)])] };
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const mode = node.opType === 'GlobalAveragePool' ? 'average' : 'max';
      return { steps: [step(node, globalPoolProgram({ inputShape: shapes.get(node.inputs[0]!)!, mode }), [operand(graph, node.inputs[0]!)])] };
    }
    case 'ReduceMean':
      return { steps: [lowerReduceMean(graph, node, shapes)] };
    case 'MaxPool':
    case 'AveragePool':
      return { steps: [lowerPool(graph, node, shapes)] };
    case 'BatchNormalization': {
      const program = batchNormalizationProgram({ inputShape: shapes.get(node.inputs[0]!)!, epsilon: numberAttribute(node, 'epsilon', 1e-5) });
      return { steps: [step(node, program, node.inputs.slice(0, 5).map((name) => operand(graph, name)))] };
    }
    case 'Concat': {
      const inputShapes = node.inputs.map((name) => shapes.get(name)!);
      const { programs } = concatPrograms(inputShapes, numberAttribute(node, 'axis', 0));
      // Every slice program writes its part of the same output buffer.
      return { steps: programs.map((program, i) => step(node, program, [operand(graph, node.inputs[i]!)])) };
    }
    case 'Softmax': {
      const program = softmaxProgram({ shape: shapes.get(node.inputs[0]!)!, axis: numberAttribute(node, 'axis', -1) });
      return { steps: [step(node, program, [operand(graph, node.inputs[0]!)])] };
    }
    case 'Transpose': {
      const inputShape = shapes.get(node.inputs[0]!)!;
      const perm = numbersAttribute(node, 'perm', inputShape.map((_, i) => inputShape.length - 1 - i));
      return { steps: [step(node, transposeProgram({ inputShape, perm }), [operand(graph, node.inputs[0]!)])] };
    }
    case 'Pad': {
      const mode = stringAttribute(node, 'mode', 'constant');
      if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new UnsupportedNodeError(node, `Pad mode '${mode}' is not supported (constant, reflect, edge are).`);
      const program = padProgram({ inputShape: shapes.get(node.inputs[0]!)!, pads: numbersAttribute(node, 'pads', []), mode, value: numberAttribute(node, 'value', 0) });
      return { steps: [step(node, program, [operand(graph, node.inputs[0]!)])] };
    }
    default:
      throw new UnsupportedNodeError(node, 'no kernel is available for this operator yet.');
  }
}

function step(node: Node, program: Step['program'], inputs: Operand[]): Step {
  return { node: node.name, program, inputs, output: node.outputs[0]! };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Returns the operand for a value: a constant (converted to float32) for an initializer, else a runtime value. */
function operand(graph: Graph, name: string): Operand {
  const tensor = graph.initializers.get(name);
  if (!tensor) return { value: name };
  return { constant: name, data: toFloat32(tensor) };
}

/** Returns an initializer's values as float32, copying only when they are stored in another type. */
export function toFloat32(tensor: Initializer): Float32Array {
  if (tensor.data instanceof Float32Array) return tensor.data;
  if (tensor.data instanceof BigInt64Array) return Float32Array.from(tensor.data, (v) => Number(v));
  return Float32Array.from(tensor.data as ArrayLike<number>);
}

function requireConstant(graph: Graph, node: Node, index: number, what: string): Initializer {
  const tensor = graph.initializers.get(node.inputs[index] ?? '');
  if (!tensor) throw new UnsupportedNodeError(node, `the ${what} (input ${index} '${node.inputs[index]}') must be a constant initializer.`);
  return tensor;
}

function epilogueOf(node: Node, hasBias: boolean): Epilogue {
  const fused = node.opType.startsWith('offshelf.');
  const residual = fused ? (stringAttribute(node, 'residual', 'none') as Epilogue['residual']) : 'none';
  return { bias: hasBias, activation: fused ? fusedActivation(node) : { kind: 'none' }, residual };
}

/**
 * Lowers a convolution to its kernel's dispatches: one for most variants, several for a
 * multi-pass variant such as Winograd, whose scratch buffers become private values named
 * after the node's output.
 */
function lowerConv(
  graph: Graph,
  node: Node,
  shapes: ConcreteShapes,
  variants: KernelVariants,
  weightPrecision: WeightPrecision,
  target: KernelTarget,
  maxScratchBytes: number,
): Lowered {
  const x = shapes.get(node.inputs[0]!)!;
  const weights = requireConstant(graph, node, 1, 'weight tensor');
  if (x.length !== 4 && x.length !== 3) throw new UnsupportedNodeError(node, `only 1-D and 2-D convolutions are supported, got a rank-${x.length} input.`);

  // A 1-D convolution runs as a 2-D one over a height-1 image.
  const is1d = x.length === 3;
  const [n, c, h, w] = is1d ? [x[0]!, x[1]!, 1, x[2]!] : x;
  const kernel = numbersAttribute(node, 'kernel_shape', weights.shape.slice(2));
  const strides = numbersAttribute(node, 'strides', kernel.map(() => 1));
  const dilations = numbersAttribute(node, 'dilations', kernel.map(() => 1));
  const pads = numbersAttribute(node, 'pads', new Array(kernel.length * 2).fill(0));
  const rank = kernel.length;
  const widthOf = (values: number[]): number => (is1d ? values[0]! : values[1]!);
  const shape: Conv2dShape = {
    batch: n!,
    inChannels: c!,
    inHeight: h!,
    inWidth: w!,
    outChannels: weights.shape[0]!,
    kernelHeight: is1d ? 1 : kernel[0]!,
    kernelWidth: widthOf(kernel),
    strideHeight: is1d ? 1 : strides[0]!,
    strideWidth: widthOf(strides),
    dilationHeight: is1d ? 1 : dilations[0]!,
    dilationWidth: widthOf(dilations),
    padTop: is1d ? 0 : pads[0]!,
    padLeft: is1d ? pads[0]! : pads[1]!,
    padBottom: is1d ? 0 : pads[rank]!,
    padRight: is1d ? pads[rank]! : pads[rank + 1]!,
    groups: numberAttribute(node, 'group', 1),
  };

  const hasBias = Boolean(node.inputs[2]);
  const epilogue = epilogueOf(node, hasBias);
  // Forced and tuned variants apply only where they run on this device.
  const applicable = conv2dVariants(shape, target);
  const forced = variants.conv2d && applicable.includes(variants.conv2d) ? variants.conv2d : undefined;
  const tuned = variants.tuned?.({ kind: 'conv2d', shape, epilogue });
  const variant = forced ?? (tuned && applicable.includes(tuned) ? tuned : undefined);
  const kernelChoice = selectConv2d(shape, epilogue, { ...target, variant, weightPrecision });

  const packed: Operand = { constant: `${weights.name}#${kernelChoice.variant}#${weightPrecision}`, data: kernelChoice.packWeights(toFloat32(weights)) };
  const scratchName = (index: number): string => `${node.outputs[0]!}#${kernelChoice.variant}-scratch${index}`;

  // A multi-pass kernel whose scratch buffers would be large runs over the batch in chunks
  // that share one set of smaller scratch buffers.
  const chunk = batchChunk(shape, kernelChoice, maxScratchBytes);
  const chunkKernel =
    chunk === shape.batch ? kernelChoice : selectConv2d({ ...shape, batch: chunk }, epilogue, { ...target, variant: kernelChoice.variant, weightPrecision });
  const inputChunkBytes = 4 * chunk * shape.inChannels * shape.inHeight * shape.inWidth;
  const outputChunkBytes = conv2dOutputLength({ ...shape, batch: chunk }) * 4;
  const steps: Step[] = [];
  for (let first = 0; first < shape.batch; first += chunk) {
    const part = (bytes: number): ByteRange | undefined =>
      chunk === shape.batch ? undefined : { byteOffset: (first / chunk) * bytes, byteLength: bytes };
    const resolve = (bound: Conv2dOperand): Operand => {
      if (typeof bound !== 'string') return { value: scratchName(bound.scratch) };
      if (bound === 'input') return withRange(node.inputs[0]!, part(inputChunkBytes));
      if (bound === 'weights') return packed;
      if (bound === 'bias') return operand(graph, node.inputs[2]!);
      if (bound === 'residual') return withRange(node.inputs[3]!, part(outputChunkBytes));
      throw new UnsupportedNodeError(node, `conv2d ${kernelChoice.variant} binds the output as an input, which no kernel pass may do.`);
    };
    for (const pass of conv2dPasses(chunkKernel, epilogue)) {
      const written = pass.output;
      const output = typeof written === 'string' ? node.outputs[0]! : scratchName(written.scratch);
      const outputRange = typeof written === 'string' ? part(outputChunkBytes) : undefined;
      steps.push({ node: node.name, program: pass.program, inputs: pass.inputs.map(resolve), output, ...(outputRange ? { outputRange } : {}) });
    }
  }
  const scratchBytes = new Map((chunkKernel.scratchLengths ?? []).map((length, index) => [scratchName(index), 4 * length] as const));
  return { steps, scratchBytes };
}

/**
 * Scratch bytes of a multi-pass convolution (Winograd's transformed input and products, 4× the
 * input and output each, or im2col's columns) above which it runs over the batch in chunks. At
 * batch 8 ResNet-18's first stage would otherwise hold 51 MB of Winograd scratch, its largest
 * buffers. With Winograd on its 512-channel layers, its peak GPU memory at batch 8 was 155 MiB
 * without chunks. With im2col on its stride-2 layers too, it was 138 MiB with a 16 MiB limit and
 * 125 with this one, which ran 1-3% slower than 16 MiB (pnpm bench, lavapipe).
 */
export const DEFAULT_MAX_SCRATCH_BYTES = 8 * 1024 * 1024;

// Storage bindings start at multiples of minStorageBufferOffsetAlignment, which WebGPU caps at 256 bytes.
const BINDING_OFFSET_ALIGNMENT = 256;

/**
 * Returns the images per chunk for `kernel`: the largest divisor of the batch whose scratch fits
 * `maxScratchBytes` and whose input and output chunks start on a binding offset, else the batch.
 * NOTE: a layer whose per-image bytes never align to 256 (odd sizes such as 3 × 225 × 225) runs
 * unchunked, with its full scratch, regardless of `maxScratchBytes`.
 */
function batchChunk(shape: Conv2dShape, kernel: Conv2dKernel, maxScratchBytes: number): number {
  const scratchPerImage = (kernel.scratchLengths ?? []).reduce((total, length) => total + 4 * length, 0) / shape.batch;
  if (scratchPerImage * shape.batch <= maxScratchBytes) return shape.batch;
  const inputImageBytes = 4 * shape.inChannels * shape.inHeight * shape.inWidth;
  const outputImageBytes = 4 * (conv2dOutputLength(shape) / shape.batch);
  for (let chunk = shape.batch - 1; chunk >= 1; chunk--) {
    if (shape.batch % chunk !== 0 || scratchPerImage * chunk > maxScratchBytes) continue;
    if ((inputImageBytes * chunk) % BINDING_OFFSET_ALIGNMENT === 0 && (outputImageBytes * chunk) % BINDING_OFFSET_ALIGNMENT === 0) return chunk;
  }
  return shape.batch;
}

/** Returns a value operand, limited to `range` when one is given. */
function withRange(value: string, range: ByteRange | undefined): Operand {
  return range ? { value, range } : { value };
}

function lowerGemm(graph: Graph, node: Node, shapes: ConcreteShapes, variants: KernelVariants, weightPrecision: WeightPrecision): Step {
  const a = shapes.get(node.inputs[0]!)!;
  const b = shapes.get(node.inputs[1]!)!;
  const transposeA = numberAttribute(node, 'transA', 0) === 1;
  const transposeB = numberAttribute(node, 'transB', 0) === 1;
  const [m, k] = transposeA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const n = transposeB ? b[0]! : b[1]!;
  const shape: GemmShape = { batch: 1, M: m, N: n, K: k, transposeA, transposeB, alpha: numberAttribute(node, 'alpha', 1), broadcastB: true };

  // C becomes the bias when it broadcasts along rows (shape [N], [1, N] or a scalar), and the
  // residual when it is a full [M, N] matrix, in both cases scaled by beta here.
  const beta = numberAttribute(node, 'beta', 1);
  let bias: Float32Array | null = null;
  let residual: Float32Array | null = null;
  if (node.inputs[2]) {
    const c = requireConstant(graph, node, 2, 'C operand');
    const values = toFloat32(c);
    const rowBroadcast = values.length === n && (c.shape.length === 1 || c.shape[0] === 1);
    if (rowBroadcast || values.length === 1) {
      bias = Float32Array.from({ length: n }, (_, j) => beta * values[values.length === 1 ? 0 : j]!);
    } else if (c.shape.length === 2 && c.shape[0] === m && c.shape[1] === n) {
      residual = Float32Array.from(values, (v) => beta * v);
    } else {
      throw new UnsupportedNodeError(node, `C of shape [${c.shape.join(', ')}] must be [N], [1, N], [M, N] or a scalar.`);
    }
  }

  const epilogue = epilogueOf(node, bias !== null);
  if (residual) epilogue.residual = 'beforeActivation';
  const kernelChoice = selectGemm(shape, epilogue, { variant: gemmVariant(shape, epilogue, variants), bPrecision: bPrecisionOf(graph, node, weightPrecision) });
  const inputs: Operand[] = [{ value: node.inputs[0]! }, constantOrValueB(graph, node, kernelChoice)];
  if (bias) inputs.push({ constant: `${node.name}#bias`, data: bias });
  if (residual) inputs.push({ constant: `${node.name}#c`, data: residual });
  return step(node, kernelChoice.program, inputs);
}

function gemmVariant(shape: GemmShape, epilogue: Epilogue, variants: KernelVariants): string | undefined {
  const forced = variants.gemm && gemmVariants(shape).includes(variants.gemm) ? variants.gemm : undefined;
  return forced ?? variants.tuned?.({ kind: 'gemm', shape, epilogue });
}

/** Storage type of a GEMM's B: the weight precision for a constant B (weights), f32 for an activation. */
function bPrecisionOf(graph: Graph, node: Node, weightPrecision: WeightPrecision): WeightPrecision {
  return graph.initializers.has(node.inputs[1]!) ? weightPrecision : 'f32';
}

function constantOrValueB(graph: Graph, node: Node, kernelChoice: GemmKernel): Operand {
  const b = graph.initializers.get(node.inputs[1]!);
  // NOTE: a computed B is bound as stored, which is correct only while every GEMM variant's packB is a plain copy.
  if (!b) return { value: node.inputs[1]! };
  return { constant: `${b.name}#${kernelChoice.variant}#${kernelChoice.bPrecision}`, data: kernelChoice.packB(toFloat32(b)) };
}

function lowerMatMul(graph: Graph, node: Node, shapes: ConcreteShapes, variants: KernelVariants, weightPrecision: WeightPrecision): Step {
  const a = shapes.get(node.inputs[0]!)!;
  const b = shapes.get(node.inputs[1]!)!;
  if (a.length < 2 || b.length < 2) throw new UnsupportedNodeError(node, '1-D MatMul operands are not supported; reshape them to 2-D.');

  const k = a[a.length - 1]!;
  const n = b[b.length - 1]!;
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  let shape: GemmShape;
  if (bBatch.every((d) => d === 1)) {
    // A shared B: fold A's batch dimensions into M, one large GEMM.
    shape = { batch: 1, M: size(a.slice(0, -1)), N: n, K: k, transposeA: false, transposeB: false, alpha: 1, broadcastB: true };
  } else if (aBatch.length === bBatch.length && aBatch.every((d, i) => d === bBatch[i])) {
    shape = { batch: size(aBatch), M: a[a.length - 2]!, N: n, K: k, transposeA: false, transposeB: false, alpha: 1, broadcastB: false };
  } else {
    throw new UnsupportedNodeError(node, `batch dimensions [${aBatch.join(', ')}] and [${bBatch.join(', ')}] must be equal, or B must have none.`);
  }

  const epilogue: Epilogue = { bias: false, activation: { kind: 'none' }, residual: 'none' };
  const kernelChoice = selectGemm(shape, epilogue, { variant: gemmVariant(shape, epilogue, variants), bPrecision: bPrecisionOf(graph, node, weightPrecision) });
  return step(node, kernelChoice.program, [{ value: node.inputs[0]! }, constantOrValueB(graph, node, kernelChoice)]);
}

function lowerReduceMean(graph: Graph, node: Node, shapes: ConcreteShapes): Step {
  const inputShape = shapes.get(node.inputs[0]!)!;
  const program = reduceMeanProgram({
    inputShape,
    axes: numbersAttribute(node, 'axes', []),
    keepdims: numberAttribute(node, 'keepdims', 1) === 1,
    noopWithEmptyAxes: numberAttribute(node, 'noop_with_empty_axes', 0) === 1,
  });
  return step(node, program, [operand(graph, node.inputs[0]!)]);
}

function lowerPool(graph: Graph, node: Node, shapes: ConcreteShapes): Step {
  const x = shapes.get(node.inputs[0]!)!;
  if (x.length !== 4 && x.length !== 3) throw new UnsupportedNodeError(node, `only 1-D and 2-D pooling is supported, got a rank-${x.length} input.`);
  if (node.outputs.length > 1 && node.outputs[1]) throw new UnsupportedNodeError(node, 'the MaxPool Indices output is not supported.');

  // 1-D pooling runs as 2-D pooling over a height-1 image.
  const is1d = x.length === 3;
  const pair = (values: number[]): [number, number] => (is1d ? [1, values[0]!] : [values[0]!, values[1]!]);
  const kernel = numbersAttribute(node, 'kernel_shape', []);
  const rank = kernel.length;
  const pads = numbersAttribute(node, 'pads', new Array(rank * 2).fill(0));
  const program = pool2dProgram({
    mode: node.opType === 'MaxPool' ? 'max' : 'average',
    inputShape: is1d ? [x[0]!, x[1]!, 1, x[2]!] : (x as [number, number, number, number]),
    kernelShape: pair(kernel),
    strides: pair(numbersAttribute(node, 'strides', new Array(rank).fill(1))),
    pads: is1d ? [0, pads[0]!, 0, pads[1]!] : (pads as [number, number, number, number]),
    dilations: pair(numbersAttribute(node, 'dilations', new Array(rank).fill(1))),
    ceilMode: numberAttribute(node, 'ceil_mode', 0) === 1,
    countIncludePad: numberAttribute(node, 'count_include_pad', 0) === 1,
  });
  return step(node, program, [operand(graph, node.inputs[0]!)]);
}
