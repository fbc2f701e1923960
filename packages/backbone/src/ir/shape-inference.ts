import { numberAttribute, numbersAttribute, stringAttribute } from './attributes';
import { ModelImportError, type Dim, type Graph, type Node } from './graph';

/** Shapes of every value, by name. */
export type ShapeMap = Map<string, Dim[]>;

/**
 * Infers the shape of every value in topological order. `inputShapes` overrides the
 * declared input shapes (the planner passes concrete ones); symbolic dimensions such as a
 * batch `N` flow through unchanged where the output depends on them only by copying.
 * Resolves `auto_pad` into explicit `pads` when the spatial size is known.
 * Throws `ModelImportError` naming the node when shapes are inconsistent.
 */
export function inferShapes(graph: Graph, inputShapes?: Record<string, Dim[]>): ShapeMap {
  const shapes: ShapeMap = new Map();
  for (const input of graph.inputs) shapes.set(input.name, inputShapes?.[input.name] ?? input.shape);
  for (const [name, tensor] of graph.initializers) shapes.set(name, tensor.shape);

  const file = graph.metadata.sourceName;
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => {
      if (!name) return [];
      const shape = shapes.get(name);
      if (!shape) throw new ModelImportError(file, `node '${node.name}' (${node.opType}) reads '${name}', which no earlier node produces.`);
      return shape;
    });
    let outputs: Dim[][];
    try {
      outputs = inferNode(node, inputs);
    } catch (error) {
      if (error instanceof ModelImportError) throw error;
      throw new ModelImportError(file, `node '${node.name}' (${node.opType}): ${(error as Error).message}`);
    }
    node.outputs.forEach((name, i) => {
      if (name && outputs[i]) shapes.set(name, outputs[i]!);
    });
  }
  return shapes;
}

function inferNode(node: Node, inputs: Dim[][]): Dim[][] {
  const x = inputs[0]!;
  switch (node.opType) {
    case 'Conv':
    case 'offshelf.FusedConv':
      return [convShape(node, x, inputs[1]!)];
    case 'MaxPool':
    case 'AveragePool':
      return [poolShape(node, x)];
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return [[x[0]!, x[1]!, ...x.slice(2).map(() => 1)]];
    case 'BatchNormalization':
    case 'Relu':
    case 'Clip':
    case 'HardSwish':
    case 'HardSigmoid':
    case 'Sigmoid':
    case 'LeakyRelu':
    case 'Tanh':
    case 'Identity':
    case 'Softmax':
      return [x];
    case 'Dropout':
      return [x, x];
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return [broadcastShapes(x, inputs[1]!)];
    case 'Gemm':
    case 'offshelf.FusedGemm':
      return [gemmShape(node, x, inputs[1]!)];
    case 'MatMul':
      return [matMulShape(x, inputs[1]!)];
    case 'Concat':
      return [concatShape(node, inputs)];
    case 'Flatten':
      return [flattenShape(node, x)];
    case 'Reshape':
      return [reshapeShape(node, x)];
    case 'Squeeze':
      return [squeezeShape(node, x)];
    case 'Unsqueeze':
      return [unsqueezeShape(node, x)];
    case 'Transpose': {
      const perm = numbersAttribute(node, 'perm', x.map((_, i) => x.length - 1 - i));
      return [perm.map((p) => x[p]!)];
    }
    case 'ReduceMean':
      return [reduceShape(node, x)];
    case 'Pad':
      return [padShape(node, x)];
    default:
      throw new Error(`no shape function for op type ${node.opType}.`);
  }
}

/** Normalizes a possibly negative axis against `rank`. */
export function normalizeAxis(axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}.`);
  return normalized;
}

function product(dims: readonly Dim[]): Dim {
  let known = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') known *= d;
    else symbols.push(d);
  }
  if (symbols.length === 0) return known;
  return known === 1 ? symbols.join('*') : `${symbols.join('*')}*${known}`;
}

function broadcastShapes(a: Dim[], b: Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1 || da === db) out.push(da);
    else if (typeof da === 'string' || typeof db === 'string') out.push(typeof da === 'number' ? da : db);
    else throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast.`);
  }
  return out;
}

/** Resolves `auto_pad` into explicit begin/end `pads`, which every consumer then reads. */
function resolveAutoPad(node: Node, spatial: Dim[], kernel: number[], strides: number[], dilations: number[]): void {
  const autoPad = stringAttribute(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') return;

  const rank = spatial.length;
  const pads = new Array<number>(rank * 2).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    for (let i = 0; i < rank; i++) {
      const size = spatial[i]!;
      if (typeof size !== 'number') throw new Error(`auto_pad ${autoPad} needs a known spatial size.`);
      const out = Math.ceil(size / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - size);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + rank] = total - pads[i]!;
    }
  }
  node.attributes.pads = pads;
  delete node.attributes.auto_pad;
}

function windowOutput(size: Dim, kernel: number, stride: number, dilation: number, begin: number, end: number, ceil: boolean): Dim {
  if (typeof size !== 'number') return size;
  const span = size + begin + end - dilation * (kernel - 1) - 1;
  if (span < 0) throw new Error(`window of ${kernel} (dilation ${dilation}) is larger than the padded input ${size + begin + end}.`);
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // In ceil mode the last window must start inside the input or its begin padding.
  if (ceil && (out - 1) * stride >= size + begin) out -= 1;
  return out;
}

function convShape(node: Node, x: Dim[], w: Dim[]): Dim[] {
  const rank = x.length - 2;
  const kernel = numbersAttribute(node, 'kernel_shape', w.slice(2) as number[]);
  const strides = numbersAttribute(node, 'strides', new Array(rank).fill(1));
  const dilations = numbersAttribute(node, 'dilations', new Array(rank).fill(1));
  resolveAutoPad(node, x.slice(2), kernel, strides, dilations);
  const pads = numbersAttribute(node, 'pads', new Array(rank * 2).fill(0));
  const group = numberAttribute(node, 'group', 1);
  if (typeof x[1] === 'number' && typeof w[1] === 'number' && x[1] !== w[1] * group) {
    throw new Error(`input has ${x[1]} channels but the weights expect ${w[1]} × group ${group}.`);
  }
  const spatial = x.slice(2).map((size, i) => windowOutput(size, kernel[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + rank]!, false));
  return [x[0]!, w[0]!, ...spatial];
}

function poolShape(node: Node, x: Dim[]): Dim[] {
  const rank = x.length - 2;
  const kernel = numbersAttribute(node, 'kernel_shape', []);
  if (kernel.length !== rank) throw new Error(`kernel_shape has ${kernel.length} entries for ${rank} spatial dimensions.`);
  const strides = numbersAttribute(node, 'strides', new Array(rank).fill(1));
  const dilations = numbersAttribute(node, 'dilations', new Array(rank).fill(1));
  resolveAutoPad(node, x.slice(2), kernel, strides, dilations);
  const pads = numbersAttribute(node, 'pads', new Array(rank * 2).fill(0));
  const ceil = numberAttribute(node, 'ceil_mode', 0) === 1;
  const spatial = x.slice(2).map((size, i) => windowOutput(size, kernel[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + rank]!, ceil));
  return [x[0]!, x[1]!, ...spatial];
}

function gemmShape(node: Node, a: Dim[], b: Dim[]): Dim[] {
  if (a.length !== 2 || b.length !== 2) throw new Error(`Gemm needs 2-D operands, got [${a.join(', ')}] and [${b.join(', ')}].`);
  const transA = numberAttribute(node, 'transA', 0) === 1;
  const transB = numberAttribute(node, 'transB', 0) === 1;
  const m = transA ? a[1]! : a[0]!;
  const k = transA ? a[0]! : a[1]!;
  const kb = transB ? b[1]! : b[0]!;
  const n = transB ? b[0]! : b[1]!;
  if (typeof k === 'number' && typeof kb === 'number' && k !== kb) throw new Error(`inner dimensions ${k} and ${kb} differ.`);
  return [m, n];
}

function matMulShape(a: Dim[], b: Dim[]): Dim[] {
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k = a2[a2.length - 1]!;
  const kb = b2[b2.length - 2]!;
  if (typeof k === 'number' && typeof kb === 'number' && k !== kb) throw new Error(`inner dimensions ${k} and ${kb} differ.`);
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

function concatShape(node: Node, inputs: Dim[][]): Dim[] {
  const first = inputs[0]!;
  const axis = normalizeAxis(numberAttribute(node, 'axis', 0), first.length);
  const out = [...first];
  const parts: Dim[] = inputs.map((shape) => shape[axis]!);
  if (parts.every((d) => typeof d === 'number')) out[axis] = (parts as number[]).reduce((a, b) => a + b, 0);
  else out[axis] = parts.join('+');
  return out;
}

function flattenShape(node: Node, x: Dim[]): Dim[] {
  const axis = numberAttribute(node, 'axis', 1);
  const split = axis < 0 ? axis + x.length : axis;
  return [product(x.slice(0, split)), product(x.slice(split))];
}

function reshapeShape(node: Node, x: Dim[]): Dim[] {
  const target = numbersAttribute(node, 'shape', []);
  const allowZero = numberAttribute(node, 'allowzero', 0) === 1;
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? x[i]! : d));
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    const total = product(x);
    const rest = product(out.filter((_, i) => i !== inferred));
    if (typeof total === 'number' && typeof rest === 'number') {
      if (rest === 0 || total % rest !== 0) throw new Error(`cannot reshape [${x.join(', ')}] to [${target.join(', ')}].`);
      out[inferred] = total / rest;
    } else {
      out[inferred] = symbolicQuotient(x, out.filter((_, i) => i !== inferred));
    }
  }
  return out;
}

// Cancels dims shared by numerator and denominator (such as a batch N copied by a 0), then divides the numbers.
function symbolicQuotient(numerator: Dim[], denominator: Dim[]): Dim {
  const top = [...numerator];
  const bottom: Dim[] = [];
  for (const d of denominator) {
    const index = top.indexOf(d);
    if (index >= 0) top.splice(index, 1);
    else bottom.push(d);
  }
  const a = product(top);
  const b = product(bottom);
  if (typeof a === 'number' && typeof b === 'number' && b !== 0 && a % b === 0) return a / b;
  return `(${String(a)})/(${String(b)})`;
}

function squeezeShape(node: Node, x: Dim[]): Dim[] {
  const axes = numbersAttribute(node, 'axes', []).map((a) => normalizeAxis(a, x.length));
  if (axes.length === 0) return x.filter((d) => d !== 1);
  return x.filter((_, i) => !axes.includes(i));
}

function unsqueezeShape(node: Node, x: Dim[]): Dim[] {
  const rank = x.length + numbersAttribute(node, 'axes', []).length;
  const axes = numbersAttribute(node, 'axes', []).map((a) => normalizeAxis(a, rank));
  const out: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x[next++]!);
  return out;
}

function reduceShape(node: Node, x: Dim[]): Dim[] {
  const keepDims = numberAttribute(node, 'keepdims', 1) === 1;
  const given = numbersAttribute(node, 'axes', []);
  const noopWithEmpty = numberAttribute(node, 'noop_with_empty_axes', 0) === 1;
  if (given.length === 0 && noopWithEmpty) return x;
  const axes = given.length === 0 ? x.map((_, i) => i) : given.map((a) => normalizeAxis(a, x.length));
  if (keepDims) return x.map((d, i) => (axes.includes(i) ? 1 : d));
  return x.filter((_, i) => !axes.includes(i));
}

function padShape(node: Node, x: Dim[]): Dim[] {
  const rank = x.length;
  let pads = numbersAttribute(node, 'pads', []);
  const axes = numbersAttribute(node, 'axes', []);
  if (axes.length > 0) {
    // Expand per-axis pads (opset 18) to the full-rank form.
    const full = new Array<number>(rank * 2).fill(0);
    axes.forEach((axis, i) => {
      const a = normalizeAxis(axis, rank);
      full[a] = pads[i]!;
      full[a + rank] = pads[i + axes.length]!;
    });
    pads = full;
    node.attributes.pads = pads;
    delete node.attributes.axes;
  }
  if (pads.length !== rank * 2) throw new Error(`pads has ${pads.length} entries for a rank-${rank} input (${rank * 2} expected).`);
  return x.map((d, i) => (typeof d === 'number' ? d + pads[i]! + pads[i + rank]! : d));
}
