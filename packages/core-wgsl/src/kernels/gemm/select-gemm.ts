import type { Epilogue } from '../epilogue';
import { gemmNaive } from './gemm-naive';
import { validateGemmShape, type GemmKernel, type GemmShape } from './gemm-shape';

type GemmFactory = (shape: GemmShape, epilogue: Epilogue) => GemmKernel;

const factories: Record<string, GemmFactory> = {
  naive: gemmNaive,
};

/** Lists every GEMM variant that can run `shape`. The tests run them all. */
export function gemmVariants(shape: GemmShape): string[] {
  validateGemmShape(shape);
  return ['naive'];
}

/** Picks the fastest GEMM variant for `shape`, or the one `options.variant` names. */
export function selectGemm(shape: GemmShape, epilogue: Epilogue, options: { variant?: string } = {}): GemmKernel {
  validateGemmShape(shape);
  const applicable = gemmVariants(shape);
  const variant = options.variant ?? 'naive';
  if (!applicable.includes(variant)) {
    throw new Error(`gemm: variant '${variant}' cannot run this shape. Applicable variants: ${applicable.join(', ')}.`);
  }
  return factories[variant]!(shape, epilogue);
}
