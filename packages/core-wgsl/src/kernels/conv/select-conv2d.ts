import type { Epilogue } from '../epilogue';
import { conv2dDirect } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import { validateConv2dShape, type Conv2dShape } from './conv2d-shape';

type Conv2dFactory = (shape: Conv2dShape, epilogue: Epilogue) => Conv2dKernel;

const factories: Record<string, Conv2dFactory> = {
  direct: conv2dDirect,
};

/** Lists every convolution variant that can run `shape`. The tests run them all. */
export function conv2dVariants(shape: Conv2dShape): string[] {
  validateConv2dShape(shape);
  return ['direct'];
}

/** Picks the fastest convolution variant for `shape`, or the one `options.variant` names. */
export function selectConv2d(shape: Conv2dShape, epilogue: Epilogue, options: { variant?: string } = {}): Conv2dKernel {
  validateConv2dShape(shape);
  const applicable = conv2dVariants(shape);
  const variant = options.variant ?? 'direct';
  if (!applicable.includes(variant)) {
    throw new Error(`conv2d: variant '${variant}' cannot run this shape. Applicable variants: ${applicable.join(', ')}.`);
  }
  return factories[variant]!(shape, epilogue);
}
