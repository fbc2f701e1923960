import type { Epilogue } from '../epilogue';
import { gemmNaive } from './gemm-naive';
import { gemmRegister8x8 } from './gemm-register';
import { gemmSharedTile32 } from './gemm-shared-tile';
import { validateGemmShape, type GemmKernel, type GemmShape } from './gemm-shape';
import { MAX_WORKGROUPS_PER_DIMENSION } from './workgroup-limits';

type GemmFactory = (shape: GemmShape, epilogue: Epilogue) => GemmKernel;

const factories: Record<string, GemmFactory> = {
  'register-8x8': gemmRegister8x8,
  'shared-tile-32x32': gemmSharedTile32,
  naive: gemmNaive,
};

/** Lists every GEMM variant that can run `shape`, fastest first. The tests run them all. */
export function gemmVariants(shape: GemmShape): string[] {
  validateGemmShape(shape);
  const variants: string[] = [];

  // The tiled variants put row blocks on y and batch entries on z, each limited to 65,535 workgroups.
  const tiledFits = shape.batch <= MAX_WORKGROUPS_PER_DIMENSION && Math.ceil(shape.M / 8) <= MAX_WORKGROUPS_PER_DIMENSION;
  if (tiledFits) variants.push('register-8x8', 'shared-tile-32x32');

  // The naive variant folds its 1-D dispatch, so it runs any shape.
  variants.push('naive');
  return variants;
}

/**
 * Picks a GEMM variant for `shape`, or the one `options.variant` names. The default is
 * the first of `gemmVariants`: register blocking without workgroup memory, because on
 * lavapipe it beats shared-memory tiles several times over (see bench/kernels.ts).
 */
export function selectGemm(shape: GemmShape, epilogue: Epilogue, options: { variant?: string } = {}): GemmKernel {
  const applicable = gemmVariants(shape);
  const variant = options.variant ?? applicable[0]!;
  if (!applicable.includes(variant)) {
    throw new Error(`gemm: variant '${variant}' cannot run this shape. Applicable variants: ${applicable.join(', ')}.`);
  }
  return factories[variant]!(shape, epilogue);
}
