import type { Epilogue } from '../epilogue';
import type { WeightPrecision } from '../weight-precision';
import { gemmDotVec4 } from './gemm-dot';
import { gemmNaive } from './gemm-naive';
import { gemmRegister8x8 } from './gemm-register';
import { gemmSharedTile32 } from './gemm-shared-tile';
import { validateGemmShape, type GemmKernel, type GemmShape } from './gemm-shape';
import { MAX_WORKGROUPS_PER_DIMENSION } from './workgroup-limits';

type GemmFactory = (shape: GemmShape, epilogue: Epilogue, bPrecision?: WeightPrecision) => GemmKernel;

const factories: Record<string, GemmFactory> = {
  'register-8x8': gemmRegister8x8,
  'shared-tile-32x32': gemmSharedTile32,
  'dot-vec4': gemmDotVec4,
  naive: gemmNaive,
};

/** Lists every GEMM variant that can run `shape`, fastest first. The tests run them all. */
export function gemmVariants(shape: GemmShape): string[] {
  validateGemmShape(shape);
  const applicable = new Set<string>();
  const batchFits = shape.batch <= MAX_WORKGROUPS_PER_DIMENSION;

  // Rows of A and B both contiguous along K: one vec4 dot product per output, rows on y.
  if (!shape.transposeA && shape.transposeB && shape.K % 4 === 0 && batchFits && shape.M <= MAX_WORKGROUPS_PER_DIMENSION) {
    applicable.add('dot-vec4');
  }

  // The tiled variants put row blocks on y and batch entries on z, each limited to 65,535 workgroups.
  if (batchFits && Math.ceil(shape.M / 8) <= MAX_WORKGROUPS_PER_DIMENSION) {
    applicable.add('register-8x8');
    applicable.add('shared-tile-32x32');
  }

  // The naive variant folds its 1-D dispatch, so it runs any shape.
  applicable.add('naive');

  // Fewer than 8 rows would leave most of each 8-row register block computing clamped duplicates.
  const preference = shape.M < 8
    ? ['dot-vec4', 'naive', 'register-8x8', 'shared-tile-32x32']
    : ['register-8x8', 'dot-vec4', 'shared-tile-32x32', 'naive'];
  return preference.filter((variant) => applicable.has(variant));
}

/**
 * Picks a GEMM variant for `shape`, or the one `options.variant` names. The default is
 * the first of `gemmVariants`: register blocking without workgroup memory, because on
 * lavapipe it beats shared-memory tiles several times over (see bench/kernels.ts).
 * `options.bPrecision` (default 'f32') sets B's storage type. Use 'f16' only for a constant B
 * (weights) on a device with the `shader-f16` feature, never for an activation.
 */
export function selectGemm(
  shape: GemmShape,
  epilogue: Epilogue,
  options: { variant?: string; bPrecision?: WeightPrecision } = {},
): GemmKernel {
  const applicable = gemmVariants(shape);
  const variant = options.variant ?? applicable[0]!;
  if (!applicable.includes(variant)) {
    throw new Error(`gemm: variant '${variant}' cannot run this shape. Applicable variants: ${applicable.join(', ')}.`);
  }
  return factories[variant]!(shape, epilogue, options.bPrecision ?? 'f32');
}
