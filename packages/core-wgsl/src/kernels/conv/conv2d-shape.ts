import type { UniformField } from '../../runtime/program';

/** A 2-D convolution over NCHW tensors with OIHW weights, with ONNX Conv semantics. */
export interface Conv2dShape {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  groups: number;
}

/** Output shape [batch, outChannels, outHeight, outWidth] of a convolution. */
export function conv2dOutputShape(shape: Conv2dShape): [number, number, number, number] {
  const effectiveKernelHeight = (shape.kernelHeight - 1) * shape.dilationHeight + 1;
  const effectiveKernelWidth = (shape.kernelWidth - 1) * shape.dilationWidth + 1;
  const outHeight = Math.floor((shape.inHeight + shape.padTop + shape.padBottom - effectiveKernelHeight) / shape.strideHeight) + 1;
  const outWidth = Math.floor((shape.inWidth + shape.padLeft + shape.padRight - effectiveKernelWidth) / shape.strideWidth) + 1;
  return [shape.batch, shape.outChannels, outHeight, outWidth];
}

/** Throws a message naming the invalid field of `shape` and the fix. */
export function validateConv2dShape(shape: Conv2dShape): void {
  const positive: Array<keyof Conv2dShape> = [
    'batch', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'kernelHeight', 'kernelWidth',
    'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth', 'groups',
  ];
  for (const field of positive) {
    if (!Number.isInteger(shape[field]) || shape[field] < 1) {
      throw new Error(`conv2d: ${field} must be a positive integer, got ${shape[field]}.`);
    }
  }
  for (const field of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) {
    if (!Number.isInteger(shape[field]) || shape[field] < 0) {
      throw new Error(`conv2d: ${field} must be a non-negative integer, got ${shape[field]}.`);
    }
  }
  if (shape.inChannels % shape.groups !== 0 || shape.outChannels % shape.groups !== 0) {
    throw new Error(
      `conv2d: groups (${shape.groups}) must divide inChannels (${shape.inChannels}) and outChannels (${shape.outChannels}).`,
    );
  }
  const [, , outHeight, outWidth] = conv2dOutputShape(shape);
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(
      `conv2d: output would be ${outHeight}x${outWidth} for a ${shape.inHeight}x${shape.inWidth} input, because the dilated kernel ` +
        'is larger than the padded input. Check kernel size, dilation and pads.',
    );
  }
}

/** Number of floats in the output tensor. */
export function conv2dOutputLength(shape: Conv2dShape): number {
  return conv2dOutputShape(shape).reduce((a, b) => a * b, 1);
}

/** Multiply-adds times two, for GFLOP/s figures. */
export function conv2dFlops(shape: Conv2dShape): number {
  const perOutput = (shape.inChannels / shape.groups) * shape.kernelHeight * shape.kernelWidth;
  return 2 * conv2dOutputLength(shape) * perOutput;
}

/**
 * Uniforms in the order of `Conv2dParams` in conv2d-params.wgsl. `workCount` is the
 * number of work items the variant launches (outputs, tiles, ...), checked in the shader
 * because dispatches round up to whole workgroups. `columnLanes` is the number of lanes
 * along the columns in register-blocked variants (see lane-layout.ts), and `blockRows` the
 * rows of their register block.
 */
export function conv2dUniforms(shape: Conv2dShape, workCount: number, columnLanes = 0, blockRows = 8): UniformField[] {
  const [, , outHeight, outWidth] = conv2dOutputShape(shape);
  return [
    ['u32', shape.batch],
    ['u32', shape.inChannels],
    ['u32', shape.inHeight],
    ['u32', shape.inWidth],
    ['u32', shape.outChannels],
    ['u32', outHeight],
    ['u32', outWidth],
    ['u32', shape.kernelHeight],
    ['u32', shape.kernelWidth],
    ['i32', shape.strideHeight],
    ['i32', shape.strideWidth],
    ['i32', shape.dilationHeight],
    ['i32', shape.dilationWidth],
    ['i32', shape.padTop],
    ['i32', shape.padLeft],
    ['u32', shape.inChannels / shape.groups],
    ['u32', shape.outChannels / shape.groups],
    ['u32', workCount],
    ['u32', columnLanes],
    // Rows of the register block, as a uniform so that the store loop stays a loop.
    ['u32', blockRows],
  ];
}
