import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import maxRowSource from './pool2d-max-row.wgsl';
import paramsSource from './pool2d-params.wgsl';
import source from './pool2d.wgsl';

/** Pooling kernels: `generic` computes one output per invocation, `max-row-4` four along a row. */
export type Pool2dVariant = 'generic' | 'max-row-4';

/** Attributes of ONNX MaxPool and AveragePool over NCHW input, with explicit pads. */
export interface Pool2dParams {
  mode: 'max' | 'average';
  /** Input shape `[N, C, H, W]`. */
  inputShape: readonly [number, number, number, number];
  /** Window size `[height, width]`. */
  kernelShape: readonly [number, number];
  /** Window step `[y, x]`. Defaults to 1. */
  strides?: readonly [number, number];
  /** `[top, left, bottom, right]`, the ONNX order `[y_begin, x_begin, y_end, x_end]`. Defaults to 0. */
  pads?: readonly [number, number, number, number];
  /** Spacing `[y, x]` between window elements. Defaults to 1. */
  dilations?: readonly [number, number];
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** Average pooling only: divide by the window size including padding instead of by the count of input elements. */
  countIncludePad?: boolean;
}

/**
 * Output size along one axis. In ceil mode a last window that would start inside the end
 * padding is dropped, as PyTorch documents for `ceil_mode` and onnxruntime 1.31's CPU kernels do.
 * NOTE: the ONNX MaxPool/AveragePool formula alone keeps that window, and ONNX shape inference
 * expects it, so a model's declared output shape can be one row or column larger than this.
 */
function pooledSize(input: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceilMode: boolean): number {
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  let size = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (size - 1) * stride >= input + padBegin) size -= 1;
  return size;
}

/** Output shape `[N, C, H_out, W_out]` of {@link pool2dProgram}. */
export function pool2dOutputShape(params: Pool2dParams): [number, number, number, number] {
  const [n, c, h, w] = params.inputShape;
  const [kh, kw] = params.kernelShape;
  const [sy, sx] = params.strides ?? [1, 1];
  const [dy, dx] = params.dilations ?? [1, 1];
  const [top, left, bottom, right] = params.pads ?? [0, 0, 0, 0];
  const ceilMode = params.ceilMode ?? false;
  return [n, c, pooledSize(h, kh, sy, dy, top, bottom, ceilMode), pooledSize(w, kw, sx, dx, left, right, ceilMode)];
}

/**
 * Returns the kernels that can run `params`, the default first. `max-row-4` loads each kernel
 * row's input columns once for 4 neighbouring windows: ResNet-18's max pools at batch 8 took
 * 15 ms instead of 30 on lavapipe (pnpm bench --profile-kernels). A 1-wide window shares no
 * columns, so it stays on `generic`.
 */
export function pool2dVariants(params: Pool2dParams): Pool2dVariant[] {
  const [kh, kw] = params.kernelShape;
  const [, sx] = params.strides ?? [1, 1];
  const [, dx] = params.dilations ?? [1, 1];
  const rowWindow = params.mode === 'max' && dx === 1 && kw >= 2 && kw <= 7 && sx <= 2 && kh >= 1;
  return rowWindow ? ['max-row-4', 'generic'] : ['generic'];
}

/**
 * 2-D max or average pooling with ONNX MaxPool / AveragePool semantics (explicit pads, so
 * resolve `auto_pad` to pads before calling). Max pooling ignores padded positions. `variant`
 * defaults to the first of {@link pool2dVariants}.
 *
 * Bindings: uniforms → input `[N, C, H, W]` → output {@link pool2dOutputShape}.
 */
export function pool2dProgram(params: Pool2dParams, variant: Pool2dVariant = pool2dVariants(params)[0]!): KernelProgram {
  const name = `pool2d-${params.mode}`;
  const [, , height, width] = params.inputShape;
  const [kh, kw] = params.kernelShape;
  const [sy, sx] = params.strides ?? [1, 1];
  const [dy, dx] = params.dilations ?? [1, 1];
  const [top, left, bottom, right] = params.pads ?? [0, 0, 0, 0];
  const countIncludePad = params.mode === 'average' && (params.countIncludePad ?? false);

  const { inputShape } = params;
  if (inputShape.length !== 4 || !inputShape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`${name}: input shape [${inputShape.join(', ')}] must be NCHW with positive integer sizes.`);
  }
  const positive = { kernelShape: [kh, kw], strides: [sy, sx], dilations: [dy, dx] };
  for (const [attribute, values] of Object.entries(positive)) {
    if (!values.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new Error(`${name}: ${attribute} [${values.join(', ')}] must contain positive integers.`);
    }
  }
  const pads = [top, left, bottom, right];
  if (!pads.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error(`${name}: pads [${pads.join(', ')}] must contain non-negative integers.`);
  }
  // As onnxruntime requires: a pad as large as the kernel would make windows of padding only.
  if (top >= kh || bottom >= kh || left >= kw || right >= kw) {
    throw new Error(`${name}: pads [${pads.join(', ')}] must each be smaller than the ${kh} x ${kw} kernel along their axis.`);
  }

  const outputShape = pool2dOutputShape(params);
  const [, , outHeight, outWidth] = outputShape;
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(
      `${name}: a ${kh} x ${kw} window (dilations ${dy}, ${dx}) does not fit the padded ${height} x ${width} input. ` +
        'Use a smaller kernel or more padding.',
    );
  }
  const outputLength = outputShape.reduce((p, s) => p * s, 1);
  const inputLength = params.inputShape.reduce((p, s) => p * s, 1);
  const cost = { flops: outputLength * kh * kw, bytes: (inputLength + outputLength) * 4 };
  const operandLengths = { inputs: [inputLength], output: outputLength };
  if (!pool2dVariants(params).includes(variant)) {
    throw new Error(`${name}: invalid variant ${variant} for this pool; use one of ${pool2dVariants(params).join(', ')}.`);
  }

  if (variant === 'max-row-4') {
    const blockCount = (outputLength / outWidth) * Math.ceil(outWidth / 4);
    return {
      name,
      shaderKey: `pool2d|max-row-4|kw=${kw}|sx=${sx}`,
      code: specializeWgsl([paramsSource, maxRowSource].join('\n'), { STRIDE_X: sx, KERNEL_WIDTH: kw, WINDOW: 3 * sx + kw }),
      dispatch: dispatch1d(ceilDiv(blockCount, 64)),
      uniforms: [['u32', blockCount], ...poolUniforms(params, outHeight, outWidth)],
      inputCount: 1,
      cost,
      operandLengths,
    };
  }

  let kind = 'max';
  if (params.mode === 'average') kind = countIncludePad ? 'average-include-pad' : 'average';
  return {
    name,
    shaderKey: `pool2d|${kind}`,
    code: specializeWgsl([paramsSource, source].join('\n'), { MAX: params.mode === 'max', COUNT_INCLUDE_PAD: countIncludePad }),
    dispatch: dispatch1d(ceilDiv(outputLength, 64)),
    uniforms: [['u32', outputLength], ...poolUniforms(params, outHeight, outWidth)],
    inputCount: 1,
    cost,
    operandLengths,
  };
}

/** Returns the uniforms after the work count (pool2d-params.wgsl). */
function poolUniforms(params: Pool2dParams, outHeight: number, outWidth: number): Array<['u32', number]> {
  const [, , height, width] = params.inputShape;
  const [kh, kw] = params.kernelShape;
  const [sy, sx] = params.strides ?? [1, 1];
  const [dy, dx] = params.dilations ?? [1, 1];
  const [top, left, bottom, right] = params.pads ?? [0, 0, 0, 0];
  return [
    ['u32', height],
    ['u32', width],
    ['u32', outHeight],
    ['u32', outWidth],
    ['u32', kh],
    ['u32', kw],
    ['u32', sy],
    ['u32', sx],
    ['u32', dy],
    ['u32', dx],
    ['u32', top],
    ['u32', left],
    ['u32', bottom],
    ['u32', right],
  ];
}
