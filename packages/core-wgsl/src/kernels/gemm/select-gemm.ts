import { validateEpilogue, type Epilogue } from '../epilogue';
import { hasSubgroupsOf8To64, pickKernelTarget, subgroupLanesOf, type KernelTarget } from '../kernel-target';
import type { WeightPrecision } from '../weight-precision';
import { gemmDotVec4 } from './gemm-dot';
import { gemmNaive } from './gemm-naive';
import { gemmRegister8x8 } from './gemm-register';
import { gemmSharedTile32 } from './gemm-shared-tile';
import { GEMM_SUBGROUP_VARIANT, gemmSubgroup32x8 } from './gemm-subgroup';
import { validateGemmShape, type GemmKernel, type GemmShape } from './gemm-shape';
import { MAX_WORKGROUPS_PER_DIMENSION } from './workgroup-limits';

type GemmFactory = (shape: GemmShape, epilogue: Epilogue, bPrecision: WeightPrecision, target: KernelTarget) => GemmKernel;

const factories: Record<string, GemmFactory> = {
  'register-8x8': gemmRegister8x8,
  [GEMM_SUBGROUP_VARIANT]: (shape, epilogue, bPrecision, target) => gemmSubgroup32x8(shape, epilogue, bPrecision, subgroupLanesOf(target)),
  'shared-tile-32x32': gemmSharedTile32,
  'dot-vec4': gemmDotVec4,
  naive: gemmNaive,
};

/**
 * Lists every GEMM variant that can run `shape` on `target`, fastest first. The tests run them
 * all. The subgroup variant needs `target.subgroupSizes`.
 */
export function gemmVariants(shape: GemmShape, target: KernelTarget = {}): string[] {
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
    if (hasSubgroupsOf8To64(target)) applicable.add(GEMM_SUBGROUP_VARIANT);
  }

  // The naive variant folds its 1-D dispatch, so it runs any shape.
  applicable.add('naive');

  // Fewer than 8 rows would leave most of each 8-row register block computing clamped duplicates.
  // On lavapipe every storage load in a loop runs once per lane, so with 32 or more rows and
  // K ≥ 64 sharing A's rows through subgroupBroadcast beats register-8x8 (see select-conv2d.ts).
  // On a GPU its 256 accumulators per invocation would spill, so there it is a tuning candidate only.
  const subgroupFirst = target.cpuAdapter === true && shape.M >= 32 && shape.K >= 64;
  const preference = shape.M < 8
    ? ['dot-vec4', 'naive', 'register-8x8', 'shared-tile-32x32', GEMM_SUBGROUP_VARIANT]
    : subgroupFirst
      ? [GEMM_SUBGROUP_VARIANT, 'register-8x8', 'dot-vec4', 'shared-tile-32x32', 'naive']
      : ['register-8x8', 'dot-vec4', 'shared-tile-32x32', 'naive', GEMM_SUBGROUP_VARIANT];
  return preference.filter((variant) => applicable.has(variant));
}

/** Options of `selectGemm`: a variant to force, B's storage type, and the device (KernelTarget). */
export interface SelectGemmOptions extends KernelTarget {
  /** The variant to use, such as 'naive' or 'register-8x8' (`gemmVariants` lists those that run a shape). */
  variant?: string;
  /** Storage type of a packed constant B (default 'f32'). 'f16' needs the device feature 'shader-f16'. */
  bPrecision?: WeightPrecision;
}

/**
 * Picks a GEMM variant for `shape`, or the one `options.variant` names. The default is
 * the first of `gemmVariants`: register blocking without workgroup memory, because on
 * lavapipe it beats shared-memory tiles several times over (see bench/kernels.ts).
 * `options.bPrecision` (default 'f32') sets B's storage type. Use 'f16' only for a constant B
 * (weights) on a device with the `shader-f16` feature, never for an activation. The other
 * options describe the device as in `gemmVariants`.
 */
export function selectGemm(shape: GemmShape, epilogue: Epilogue, options: SelectGemmOptions = {}): GemmKernel {
  validateEpilogue(epilogue);
  const applicable = gemmVariants(shape, options);
  const variant = options.variant ?? applicable[0]!;
  if (!(variant in factories)) {
    throw new Error(`gemm: unknown variant '${variant}'. Variants: ${Object.keys(factories).join(', ')}; this shape runs ${applicable.join(', ')}.`);
  }
  if (!applicable.includes(variant)) {
    throw new Error(`gemm: variant '${variant}' cannot run this shape. Applicable variants: ${applicable.join(', ')}.`);
  }
  const kernel = factories[variant]!(shape, epilogue, options.bPrecision ?? 'f32', pickKernelTarget(options));
  return { ...kernel, builtFor: { shape: { ...shape }, epilogue } };
}
