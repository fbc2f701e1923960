import { ceilDiv, type KernelProgram } from '../../runtime/program';
import source from './preprocess-image.wgsl';

/** A rectangle in source pixels with its top-left corner at (`x`, `y`). Fractional values are allowed. */
export interface CropRectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PreprocessImageParams {
  /** Source image size in pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** Part of the source to resample, such as a center crop. Defaults to the whole image. */
  crop?: CropRectangle;
  /** Output image size, the H and W of the NCHW batch tensor. */
  outputWidth: number;
  outputHeight: number;
  /** Image slot `n` of the batch tensor to write. */
  batchIndex: number;
  /** Per-channel mean of `pixel / 255`, in output channel order. Defaults to 0. */
  mean?: readonly [number, number, number];
  /** Per-channel standard deviation of `pixel / 255`, in output channel order. Defaults to 1. */
  std?: readonly [number, number, number];
  /** Output channel order, where `bgr` puts blue in channel 0. Defaults to `rgb`. */
  channelOrder?: 'rgb' | 'bgr';
  /** Widen the filter when shrinking so every source pixel contributes. Defaults to true. */
  antialias?: boolean;
}

/**
 * Resizes, crops and normalizes one RGBA8 image into image slot `batchIndex` of an
 * NCHW float32 batch tensor `[N, 3, outputHeight, outputWidth]`, writing
 * `(pixel / 255 - mean[c]) / std[c]`. Alpha is ignored.
 *
 * Resampling uses half-pixel centres: output pixel x samples source coordinate
 * `crop.x + (x + 0.5) · crop.width / outputWidth`. Weights come from a triangle filter of
 * radius 1 source pixel (bilinear interpolation), or, when shrinking with `antialias`, of
 * radius `crop.width / outputWidth` (the scaled tent filter that tf.image.resize documents
 * for antialiased bilinear in TensorFlow 2).
 * Only pixels that overlap the crop rectangle contribute, and the weights are renormalized
 * at its edges, so a crop behaves like cropping the image first.
 *
 * Bindings: uniforms → pixels (one u32 per pixel, row-major, red in the low byte) → output
 * (the whole batch tensor, of which only slot `batchIndex` is written). The pixel layout is
 * the bytes of `ImageData.data` read as a `Uint32Array` on a little-endian machine.
 */
export function preprocessImageProgram(params: PreprocessImageParams): KernelProgram {
  const { sourceWidth, sourceHeight, outputWidth, outputHeight, batchIndex } = params;
  const crop = params.crop ?? { x: 0, y: 0, width: sourceWidth, height: sourceHeight };
  const mean = params.mean ?? [0, 0, 0];
  const std = params.std ?? [1, 1, 1];
  const antialias = params.antialias ?? true;
  checkParams(params, crop, std);

  // NOTE: the filter is applied in one 2-D pass, which reads about (2 · scale)² source pixels per
  // output pixel. A 4032 x 3024 photo to 224 x 224 took about 0.3 s on lavapipe (shared 2-core
  // machine). A separable two-pass variant would read about 2 · scale per pixel in each pass.
  const scaleX = crop.width / outputWidth;
  const scaleY = crop.height / outputHeight;
  const supportX = antialias ? Math.max(1, scaleX) : 1;
  const supportY = antialias ? Math.max(1, scaleY) : 1;

  return {
    name: 'preprocess-image',
    shaderKey: 'preprocess-image',
    code: source,
    dispatch: [ceilDiv(outputWidth, 8), ceilDiv(outputHeight, 8), 1],
    uniforms: [
      ['u32', sourceWidth],
      ['u32', sourceHeight],
      ['u32', Math.floor(crop.x)],
      ['u32', Math.ceil(crop.x + crop.width)],
      ['u32', Math.floor(crop.y)],
      ['u32', Math.ceil(crop.y + crop.height)],
      ['f32', crop.x],
      ['f32', crop.y],
      ['f32', scaleX],
      ['f32', scaleY],
      ['f32', supportX],
      ['f32', supportY],
      ['u32', outputWidth],
      ['u32', outputHeight],
      ['u32', batchIndex],
      ['u32', params.channelOrder === 'bgr' ? 1 : 0],
      ...([0, 1, 2] as const).map((c) => ['f32', 1 / (255 * std[c])] as const),
      ...([0, 1, 2] as const).map((c) => ['f32', -mean[c] / std[c]] as const),
    ],
    inputCount: 1,
    cost: {
      flops: outputWidth * outputHeight * Math.ceil(2 * supportX + 1) * Math.ceil(2 * supportY + 1) * 8,
      bytes: sourceWidth * sourceHeight * 4 + outputWidth * outputHeight * 12,
    },
    // One packed RGBA8 pixel per 4-byte value in, and the batch tensor up to this image's slot out.
    operandLengths: { inputs: [sourceWidth * sourceHeight], output: (batchIndex + 1) * 3 * outputHeight * outputWidth },
  };
}

/**
 * Returns the largest centered rectangle with the aspect ratio `outputWidth : outputHeight`,
 * scaled by `fraction` (torchvision's "resize then center crop 224 of 256" is fraction 0.875).
 */
export function centerCrop(
  sourceWidth: number,
  sourceHeight: number,
  outputWidth: number,
  outputHeight: number,
  fraction = 1,
): CropRectangle {
  const aspect = outputWidth / outputHeight;
  let width = sourceWidth;
  let height = sourceWidth / aspect;
  if (height > sourceHeight) {
    height = sourceHeight;
    width = sourceHeight * aspect;
  }
  width *= fraction;
  height *= fraction;
  return { x: (sourceWidth - width) / 2, y: (sourceHeight - height) / 2, width, height };
}

function checkParams(params: PreprocessImageParams, crop: CropRectangle, std: readonly number[]): void {
  const sizes = {
    sourceWidth: params.sourceWidth,
    sourceHeight: params.sourceHeight,
    outputWidth: params.outputWidth,
    outputHeight: params.outputHeight,
  };
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`preprocess-image: ${name} is ${value}, but it must be a positive integer.`);
    }
  }
  if (!Number.isInteger(params.batchIndex) || params.batchIndex < 0) {
    throw new Error(`preprocess-image: batchIndex is ${params.batchIndex}, but it must be a non-negative integer.`);
  }

  const inside =
    crop.x >= 0 &&
    crop.y >= 0 &&
    crop.width > 0 &&
    crop.height > 0 &&
    crop.x + crop.width <= params.sourceWidth &&
    crop.y + crop.height <= params.sourceHeight;
  if (!inside) {
    throw new Error(
      `preprocess-image: crop ${JSON.stringify(crop)} is empty or extends outside the ` +
        `${params.sourceWidth} x ${params.sourceHeight} source image. Clamp it to the image.`,
    );
  }
  if (std.some((value) => value === 0)) {
    throw new Error(`preprocess-image: std [${std.join(', ')}] contains 0, so normalization would divide by zero. Pass non-zero values.`);
  }
}
