/**
 * Parses the shapes of `--conv=SPEC` and `--gemm=SPEC`, which add cases of the user's own to the
 * kernel bench. A SPEC is a comma-separated list of key=value pairs (and, for --gemm, a leading
 * MxNxK):
 *   --conv=in=32,out=64,size=56,kernel=3,stride=2,pad=same,act=relu6
 *   --conv=in=144,groups=dw,size=56,kernel=3          (depthwise: out and groups default to in)
 *   --gemm=1024x1024x256,tb,act=relu
 */
import {
  validateConv2dShape,
  validateGemmShape,
  type Activation,
  type Conv2dShape,
  type Epilogue,
  type GemmShape,
} from '../src/index';

export type ConvCase = [name: string, shape: Conv2dShape, epilogue: Epilogue];
export type GemmCase = [name: string, shape: GemmShape, epilogue: Epilogue];

export const CONV_SPEC_HELP = `in=C (required), out=K (default: in with groups=dw), size=S or height=H and width=W,
                       kernel=3 or 3x1 (required), stride=1 or 2x1, dilation=1 or 2x2,
                       groups=G or dw, pad=same|same-lower|valid|P|T/L/B/R (default same, TensorFlow's
                       SAME: the odd extra row at the bottom), act=none|relu|relu6|hardswish|sigmoid|silu|
                       tanh|gelu (default none), bias=yes|no (default yes), batch=N (default BENCH_BATCH or 1)`;

export const GEMM_SPEC_HELP = `MxNxK first, then ta or tb (transposed A or B), act=..., bias=yes|no (default no),
                       batch=N (default 1)`;

const ACTIVATIONS: Record<string, Activation> = {
  none: { kind: 'none' },
  relu: { kind: 'relu' },
  relu6: { kind: 'clip', min: 0, max: 6 },
  hardswish: { kind: 'hardSwish' },
  sigmoid: { kind: 'sigmoid' },
  silu: { kind: 'silu' },
  tanh: { kind: 'tanh' },
  gelu: { kind: 'gelu' },
};

const CONV_KEYS = ['in', 'out', 'size', 'height', 'width', 'kernel', 'stride', 'dilation', 'groups', 'pad', 'act', 'bias', 'batch'];
const GEMM_KEYS = ['act', 'bias', 'batch'];

/** A malformed --conv or --gemm value: the message names the option, the value and the fix. */
export class CaseSpecError extends Error {}

/** Parses one --conv value into a named convolution case. `defaultBatch` is BENCH_BATCH's value. */
export function parseConvSpec(spec: string, defaultBatch: number): ConvCase {
  const option = `--conv=${spec}`;
  const fields = keyValues(option, spec.split(','), CONV_KEYS);
  const need = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new CaseSpecError(`${option}: missing ${key}=…; a --conv needs in, out (or groups=dw), kernel, and size or height and width.`);
    return value;
  };

  const inChannels = positiveInteger(option, 'in', need('in'));
  const depthwise = fields.get('groups') === 'dw';
  const outChannels = positiveInteger(option, 'out', fields.get('out') ?? (depthwise ? String(inChannels) : need('out')));
  const groups = depthwise ? inChannels : positiveInteger(option, 'groups', fields.get('groups') ?? '1');
  if (!['size', 'height', 'width'].some((key) => fields.has(key))) need('size');
  const [inHeight, inWidth] = fields.has('size')
    ? pair(option, 'size', fields.get('size')!)
    : [positiveInteger(option, 'height', need('height')), positiveInteger(option, 'width', need('width'))];
  const [kernelHeight, kernelWidth] = pair(option, 'kernel', need('kernel'));
  const [strideHeight, strideWidth] = pair(option, 'stride', fields.get('stride') ?? '1');
  const [dilationHeight, dilationWidth] = pair(option, 'dilation', fields.get('dilation') ?? '1');
  const batch = fields.has('batch') ? positiveInteger(option, 'batch', fields.get('batch')!) : defaultBatch;

  const pad = fields.get('pad') ?? 'same';
  const [padTop, padLeft, padBottom, padRight] = pads(option, pad, {
    height: [inHeight, (kernelHeight - 1) * dilationHeight + 1, strideHeight],
    width: [inWidth, (kernelWidth - 1) * dilationWidth + 1, strideWidth],
  });

  const shape: Conv2dShape = {
    batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
    dilationHeight, dilationWidth, padTop, padLeft, padBottom, padRight, groups,
  };
  try {
    validateConv2dShape(shape);
  } catch (error) {
    throw new CaseSpecError(`${option}: ${(error as Error).message}`);
  }
  const epilogue = epilogueOf(option, fields, true);

  let kind = '';
  if (groups > 1 && groups === inChannels && groups === outChannels) kind = ' dw';
  else if (groups > 1) kind = ` g${groups}`;
  const dilation = dilationHeight === 1 && dilationWidth === 1 ? '' : ` d${sizeName(dilationHeight, dilationWidth)}`;
  const name =
    `conv ${kernelHeight}x${kernelWidth} s${sizeName(strideHeight, strideWidth)}${dilation}${kind} ` +
    `${inChannels}->${outChannels} @${sizeName(inHeight, inWidth)}${batch === defaultBatch ? '' : ` b${batch}`}`;
  return [name, shape, epilogue];
}

/** Parses one --gemm value into a named GEMM case: C (batch × M × N) = A (M × K) · B (K × N). */
export function parseGemmSpec(spec: string): GemmCase {
  const option = `--gemm=${spec}`;
  const [dims = '', ...rest] = spec.split(',');
  const sizes = dims.split('x');
  if (sizes.length !== 3) throw new CaseSpecError(`${option}: start with MxNxK, such as --gemm=512x512x512.`);
  const [M, N, K] = sizes.map((size, i) => positiveInteger(option, 'MNK'[i]!, size)) as [number, number, number];

  const flags = new Set(rest.filter((part) => !part.includes('=')));
  for (const flag of flags) {
    if (flag !== 'ta' && flag !== 'tb') throw new CaseSpecError(`${option}: unknown flag '${flag}'; the flags are ta and tb.`);
  }
  const fields = keyValues(option, rest.filter((part) => part.includes('=')), GEMM_KEYS);
  const batch = positiveInteger(option, 'batch', fields.get('batch') ?? '1');
  const shape: GemmShape = { batch, M, N, K, transposeA: flags.has('ta'), transposeB: flags.has('tb'), alpha: 1, broadcastB: true };
  try {
    validateGemmShape(shape);
  } catch (error) {
    throw new CaseSpecError(`${option}: ${(error as Error).message}`);
  }
  const transposes = `${shape.transposeA ? ' tA' : ''}${shape.transposeB ? ' tB' : ''}`;
  return [`gemm ${M}x${N}x${K}${transposes}${batch === 1 ? '' : ` b${batch}`}`, shape, epilogueOf(option, fields, false)];
}

function keyValues(option: string, parts: string[], keys: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of parts) {
    const [key = '', value, extra] = part.split('=');
    if (value === undefined || extra !== undefined || value === '') {
      throw new CaseSpecError(`${option}: '${part}' is not key=value; the keys are ${keys.join(', ')}.`);
    }
    if (!keys.includes(key)) throw new CaseSpecError(`${option}: unknown key '${key}'; the keys are ${keys.join(', ')}.`);
    if (fields.has(key)) throw new CaseSpecError(`${option}: ${key} is given twice.`);
    fields.set(key, value);
  }
  return fields;
}

function positiveInteger(option: string, key: string, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) throw new CaseSpecError(`${option}: ${key} must be a positive integer, got '${value}'.`);
  return number;
}

/** "3" → [3, 3], "3x1" → [3, 1] (height first). */
function pair(option: string, key: string, value: string): [number, number] {
  const parts = value.split('x');
  if (parts.length > 2) throw new CaseSpecError(`${option}: ${key} is N or HxW, got '${value}'.`);
  const height = positiveInteger(option, key, parts[0]!);
  return [height, parts.length === 2 ? positiveInteger(option, key, parts[1]!) : height];
}

function sizeName(height: number, width: number): string {
  return height === width ? `${height}` : `${height}x${width}`;
}

/**
 * Pads [top, left, bottom, right]. SAME pads the input so that the output is ceil(size / stride),
 * with the odd extra row or column after the input (same) or before it (same-lower), as ONNX's
 * SAME_UPPER and SAME_LOWER.
 */
function pads(
  option: string, pad: string, axes: { height: [number, number, number]; width: [number, number, number] },
): [number, number, number, number] {
  const same = (size: number, extent: number, stride: number): number => Math.max((Math.ceil(size / stride) - 1) * stride + extent - size, 0);
  if (pad === 'same' || pad === 'same-lower') {
    const totalHeight = same(...axes.height);
    const totalWidth = same(...axes.width);
    const [top, left] = pad === 'same' ? [Math.floor(totalHeight / 2), Math.floor(totalWidth / 2)] : [Math.ceil(totalHeight / 2), Math.ceil(totalWidth / 2)];
    return [top, left, totalHeight - top, totalWidth - left];
  }
  if (pad === 'valid') return [0, 0, 0, 0];
  const parts = pad.split('/');
  if (parts.length !== 1 && parts.length !== 4) {
    throw new CaseSpecError(`${option}: pad is same, same-lower, valid, one number for every side or T/L/B/R, got '${pad}'.`);
  }
  const values = parts.map((part) => {
    if (!/^\d+$/.test(part)) throw new CaseSpecError(`${option}: pad '${pad}' contains '${part}', which is not a non-negative integer.`);
    return Number(part);
  });
  return values.length === 1 ? [values[0]!, values[0]!, values[0]!, values[0]!] : (values as [number, number, number, number]);
}

function epilogueOf(option: string, fields: Map<string, string>, biasByDefault: boolean): Epilogue {
  const act = fields.get('act') ?? 'none';
  const activation = ACTIVATIONS[act];
  if (activation === undefined) {
    throw new CaseSpecError(`${option}: unknown act '${act}'; use one of ${Object.keys(ACTIVATIONS).join(', ')}.`);
  }
  const bias = fields.get('bias');
  if (bias !== undefined && bias !== 'yes' && bias !== 'no') throw new CaseSpecError(`${option}: bias is yes or no, got '${bias}'.`);
  return { bias: bias === undefined ? biasByDefault : bias === 'yes', activation, residual: 'none' };
}
