import { validateEpilogue, type Epilogue } from '../epilogue';
import { hasSubgroupsOf8, hasSubgroupsOf8To64, pickKernelTarget, subgroupLanesOf, type KernelTarget } from '../kernel-target';
import type { WeightPrecision } from '../weight-precision';
import { conv2dDepthwise } from './conv2d-depthwise';
import { conv2dDepthwiseSubgroup, DEPTHWISE_SUBGROUP_VARIANT, fitsDepthwiseSubgroup } from './conv2d-depthwise-subgroup';
import { conv2dDepthwiseFourPlanes, DEPTHWISE_FOUR_PLANES_VARIANT, fitsDepthwiseFourPlanes } from './conv2d-depthwise-four-planes';
import { conv2dDepthwiseRowPairs, DEPTHWISE_ROW_PAIRS_VARIANT, fitsDepthwiseRowPairs } from './conv2d-depthwise-row-pairs';
import { conv2dDepthwiseStrip, DEPTHWISE_STRIP_VARIANT, depthwiseStripWidth, fitsDepthwiseStrip } from './conv2d-depthwise-strip';
import { conv2dDirect } from './conv2d-direct';
import { conv2dImplicitGemm } from './conv2d-implicit-gemm';
import { conv2dImplicitGemm3x3, fitsImplicitGemm3x3 } from './conv2d-implicit-gemm-3x3';
import {
  conv2dImplicitGemmSubgroup,
  IMPLICIT_GEMM_3X3_SUBGROUP_VARIANT,
  IMPLICIT_GEMM_SUBGROUP_VARIANT,
} from './conv2d-implicit-gemm-subgroup';
import { conv2dPointwise } from './conv2d-pointwise';
import { conv2dPointwiseSubgroup, pointwiseBlockColumns, pointwiseBlockRows, POINTWISE_SUBGROUP_VARIANT } from './conv2d-pointwise-subgroup';
import { conv2dIm2colGemmSubgroup, IM2COL_SUBGROUP_VARIANT, im2colScratchLength } from './conv2d-im2col-gemm';
import type { Conv2dKernel } from './conv2d-kernel';
import {
  conv2dWinograd2x2_3x3,
  conv2dWinograd4x4_3x3,
  fitsWinograd3x3,
  WINOGRAD_4X4_VARIANT,
  WINOGRAD_VARIANT,
  winogradScratchBytes,
  winogradTileCount,
} from './winograd-3x3';

export { DEPTHWISE_FOUR_PLANES_VARIANT, DEPTHWISE_ROW_PAIRS_VARIANT, DEPTHWISE_STRIP_VARIANT, depthwiseStripWidth, pointwiseBlockColumns, pointwiseBlockRows, WINOGRAD_4X4_VARIANT, WINOGRAD_VARIANT };
import { MAX_WORKGROUPS_PER_DIMENSION } from '../gemm/workgroup-limits';
import { conv2dOutputShape, validateConv2dShape, type Conv2dShape } from './conv2d-shape';

// Largest input × output channel count that the selector runs as Winograd by default.
const WINOGRAD_MAX_CHANNEL_PRODUCT = 256 * 256;
// Largest input × output channel count that the selector runs as Winograd F(4×4, 3×3) by default.
const WINOGRAD_4X4_MAX_CHANNEL_PRODUCT = 128 * 128;

type Conv2dFactory = (shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision, target: KernelTarget) => Conv2dKernel;

const factories: Record<string, Conv2dFactory> = {
  'pointwise-gemm-8x8': conv2dPointwise,
  [POINTWISE_SUBGROUP_VARIANT]: (shape, epilogue, weightPrecision, target) =>
    conv2dPointwiseSubgroup(shape, epilogue, weightPrecision, subgroupLanesOf(target)),
  'depthwise-4x': conv2dDepthwise,
  [DEPTHWISE_SUBGROUP_VARIANT]: conv2dDepthwiseSubgroup,
  [DEPTHWISE_STRIP_VARIANT]: conv2dDepthwiseStrip,
  [DEPTHWISE_ROW_PAIRS_VARIANT]: conv2dDepthwiseRowPairs,
  [DEPTHWISE_FOUR_PLANES_VARIANT]: conv2dDepthwiseFourPlanes,
  'implicit-gemm-3x3-8x8': conv2dImplicitGemm3x3,
  [WINOGRAD_VARIANT]: conv2dWinograd2x2_3x3,
  [WINOGRAD_4X4_VARIANT]: conv2dWinograd4x4_3x3,
  'implicit-gemm-8x8': conv2dImplicitGemm,
  [IMPLICIT_GEMM_3X3_SUBGROUP_VARIANT]: (shape, epilogue, weightPrecision, target) =>
    conv2dImplicitGemmSubgroup(shape, epilogue, weightPrecision, subgroupLanesOf(target), true),
  [IMPLICIT_GEMM_SUBGROUP_VARIANT]: (shape, epilogue, weightPrecision, target) =>
    conv2dImplicitGemmSubgroup(shape, epilogue, weightPrecision, subgroupLanesOf(target), false),
  [IM2COL_SUBGROUP_VARIANT]: (shape, epilogue, weightPrecision, target) =>
    conv2dIm2colGemmSubgroup(shape, epilogue, weightPrecision, subgroupLanesOf(target)),
  direct: conv2dDirect,
};

/**
 * Lists every convolution variant that can run `shape` on `target`, fastest first. The tests run
 * them all. `target.maxBindingBytes` (unlimited by default) drops variants whose scratch buffers
 * would not fit in one binding; the subgroup variants need `target.subgroupSizes`.
 */
export function conv2dVariants(shape: Conv2dShape, target: KernelTarget = {}): string[] {
  validateConv2dShape(shape);
  const variants: string[] = [];
  const [, , outHeight, outWidth] = conv2dOutputShape(shape);
  // The register-blocked variants put pixel blocks on x (64 per workgroup), blocks of 8
  // channels on y and images on z, each limited to 65,535 workgroups.
  const registerBlockedFits = (pixelBlocks: number): boolean =>
    shape.batch <= MAX_WORKGROUPS_PER_DIMENSION &&
    Math.ceil(shape.outChannels / 8) <= MAX_WORKGROUPS_PER_DIMENSION &&
    pixelBlocks <= 64 * MAX_WORKGROUPS_PER_DIMENSION;

  // The 1×1 subgroup kernel (also the second pass of im2col) can run the images' pixels as one
  // row of column blocks, at least 8 of them per workgroup along x.
  const foldedColumnsFit = Math.ceil((shape.batch * outHeight * outWidth) / 8) <= 8 * MAX_WORKGROUPS_PER_DIMENSION;

  // A 1×1 kernel with stride 1 and no padding reads each pixel once per output channel: a plain GEMM.
  const pointwise =
    shape.kernelHeight === 1 && shape.kernelWidth === 1 &&
    shape.strideHeight === 1 && shape.strideWidth === 1 &&
    shape.padTop + shape.padLeft + shape.padBottom + shape.padRight === 0 &&
    shape.groups === 1;
  if (pointwise && registerBlockedFits(Math.ceil((outHeight * outWidth) / 8))) {
    // On lavapipe every storage load in a loop runs once per lane, so sharing each step's weights
    // through subgroupBroadcast ran the 1×1 layers of MobileNetV2 and ResNet-50 1.1-2.8× faster
    // than pointwise-gemm-8x8, from 16 input channels up (bench/kernels.ts). With 16 output
    // channels half of its 32-row block is padding, yet with 8-lane workgroups it still ran
    // MobileNetV2's 32->16 layer 8-15% faster at batch 1 and 8. Fewer output channels were not
    // measured, so they keep pointwise-gemm-8x8 first. On a GPU its 256 accumulators per
    // invocation would spill, so there it is a tuning candidate only.
    const subgroup = hasSubgroupsOf8To64(target) && foldedColumnsFit;
    const subgroupFirst = subgroup && target.cpuAdapter === true && shape.outChannels >= 16;
    if (subgroupFirst) variants.push(POINTWISE_SUBGROUP_VARIANT);
    variants.push('pointwise-gemm-8x8');
    if (subgroup && !subgroupFirst) variants.push(POINTWISE_SUBGROUP_VARIANT);
  }

  // One input channel per group: each output reads one plane, so outputs share weights, not inputs.
  if (shape.groups === shape.inChannels) {
    // The strip kernel gives each invocation up to 16 columns of a plane, walking down it and
    // loading each input once, as vectors where the rows allow. On lavapipe at batch 8
    // (bench/kernels.ts) it ran MobileNetV2's 3×3 layers 1.8-2.7× faster than depthwise-4x, and
    // those at 56 and 112 px 1.5-1.9× faster than depthwise-3x3-subgroup, which shares each
    // row's outer columns through shuffles. On a GPU its one long loop per strip would leave most
    // lanes idle, so there it is a tuning candidate.
    // On maps up to 16 wide the row-pair kernel reads and writes each plane as whole aligned vec4s.
    // On lavapipe at batch 8 it ran MobileNetV2's 384-channel layer at 14 px 1.2× faster than the
    // strip kernel (bench/kernels.ts).
    const rowPairs = fitsDepthwiseRowPairs(shape);
    const rowPairsFirst = rowPairs && target.cpuAdapter === true;
    if (rowPairsFirst) variants.push(DEPTHWISE_ROW_PAIRS_VARIANT);
    // Maps of an odd width up to 15 take four planes per invocation, read and written as whole
    // aligned vec4s. On lavapipe at batch 8 it ran MobileNetV2's 960-channel layer at 7 px in
    // 0.70 ms against 0.84 for the strip kernel (bench/kernels.ts, best of 6 runs).
    const fourPlanes = fitsDepthwiseFourPlanes(shape);
    const fourPlanesFirst = fourPlanes && target.cpuAdapter === true;
    if (fourPlanesFirst) variants.push(DEPTHWISE_FOUR_PLANES_VARIANT);
    const strip = fitsDepthwiseStrip(shape);
    const stripFirst = strip && target.cpuAdapter === true;
    if (stripFirst) variants.push(DEPTHWISE_STRIP_VARIANT);
    variants.push('depthwise-4x');
    if (fitsDepthwiseSubgroup(shape) && hasSubgroupsOf8(target)) variants.push(DEPTHWISE_SUBGROUP_VARIANT);
    if (strip && !stripFirst) variants.push(DEPTHWISE_STRIP_VARIANT);
    if (rowPairs && !rowPairsFirst) variants.push(DEPTHWISE_ROW_PAIRS_VARIANT);
    if (fourPlanes && !fourPlanesFirst) variants.push(DEPTHWISE_FOUR_PLANES_VARIANT);
  }

  // One group: every output channel reads the same im2col columns, so 8 channels share each input load.
  const implicitGemmFits = shape.groups === 1 && registerBlockedFits(Math.ceil(outWidth / 8) * outHeight);
  // 3×3 at stride 1 along x: loading each input row window once for its three taps ran ResNet-18's
  // 3×3 layers at 11-17 GFLOP/s against 9-10 for implicit-gemm-8x8 (bench/kernels.ts, lavapipe).
  // Winograd F(2×2, 3×3) does 16 multiplies per 2×2 outputs and input channel instead of 36. With
  // 16 or more input channels its GEMM outweighs its transforms: ResNet-18/50's 3×3 stride-1
  // layers ran at 20-41 GFLOP/s (direct-convolution FLOPs) against 9-16 for implicit-gemm-3x3-8x8,
  // 16->32 @56 at 1.8 ms against 2.8, but 8->32 @56 at 1.9 ms against 1.6 (bench/kernels.ts, lavapipe).
  // Its scratch V and M are 4× the input and output (16 values per 2×2 tile), so a batch that
  // fits the other variants' bindings can overflow them.
  // Its transformed weights take 16/9 the memory of the 3×3 weights. Above 256×256 channels they
  // dominate a model's GPU memory: on ResNet-18 the three 512-channel layers would add 22 MB and
  // lift its peak above onnxruntime-web's (docs/benchmarks.md), so below batch 8 those layers keep
  // the implicit GEMM unless tuning or the caller picks Winograd. At batch 1 Winograd was no faster.
  // The subgroup implicit GEMMs share each tap's weights as the 1×1 variant does. On lavapipe they
  // ran ResNet-18/50's 3×3 and 7×7 layers 1.4-2.2× and MobileNetV2's stem (reduction I·KH·KW = 27)
  // 1.3-1.7× faster than the 8×8 ones (bench/kernels.ts). Smaller reductions were not measured,
  // so those keep the 8×8 kernels first.
  // Their workgroups contain one subgroup on CPU adapters, so fewer pixel blocks fit along x.
  const subgroupImplicit = implicitGemmFits && hasSubgroupsOf8To64(target) &&
    Math.ceil(outWidth / 8) * outHeight <= subgroupLanesOf(target).workgroupSize * MAX_WORKGROUPS_PER_DIMENSION;
  const subgroupImplicitFirst = subgroupImplicit && target.cpuAdapter === true &&
    shape.inChannels * shape.kernelHeight * shape.kernelWidth >= 27;
  const window3x3 = implicitGemmFits && fitsImplicitGemm3x3(shape);
  const winograd = fitsWinograd3x3(shape) && winogradScratchBytes(shape) <= (target.maxBindingBytes ?? Infinity);
  const winograd4x4 = fitsWinograd3x3(shape, 4) && winogradScratchBytes(shape, 4) <= (target.maxBindingBytes ?? Infinity);
  // Where the subgroup 3×3 implicit GEMM runs first, it beats Winograd below 64 input channels:
  // 16->32 @56 took 1.1 ms against 1.8, 32->32 @56 1.9 against 2.5, but 64->64 @56 6.5 against
  // 5.4 (bench/kernels.ts, lavapipe, batch 1).
  const winogradMinChannels = subgroupImplicitFirst && window3x3 ? 64 : 16;
  // From batch 8 Winograd comes first above 256×256 channels too. ResNet's 512-channel layers at
  // 7×7 took 22 ms against 55 for the subgroup 3×3 GEMM (bench/kernels.ts, lavapipe). The
  // runner's batch chunks free more scratch memory than the larger weights take.
  const channelProductAllowed = shape.batch >= 8 || shape.inChannels * shape.outChannels <= WINOGRAD_MAX_CHANNEL_PRODUCT;
  const winogradFirst = winograd && shape.inChannels >= winogradMinChannels && channelProductAllowed;
  // F(4×4, 3×3) multiplies 36 times per 4×4 outputs and input channel against F(2×2)'s 64, and its
  // transforms read and write 2.25 values per output against 4. On lavapipe it ran ResNet's 3×3
  // layers 1.4-2× faster than F(2×2) at batch 8 and from 28 px at batch 1, but slower with fewer
  // than 32 tiles (14 and 7 px at batch 1; bench/kernels.ts). Its transformed weights take 4× the
  // memory of the 3×3 weights, 2.25× F(2×2)'s. Up to 256×256 channels ResNet-18's peak GPU memory
  // at batch 8 rose from 125 to 145 MiB, above onnxruntime-web's 142 (pnpm bench), so it comes
  // first only up to 128×128. It was not measured on a GPU, so there it is a tuning candidate only.
  const winograd4x4First = winograd4x4 && winogradFirst && target.cpuAdapter === true &&
    winogradTileCount(shape, 4) >= 32 && shape.inChannels * shape.outChannels <= WINOGRAD_4X4_MAX_CHANNEL_PRODUCT;
  // im2col writes every input value once per tap into a scratch buffer, and the 1×1 subgroup kernel
  // then runs the GEMM at its rate. On lavapipe that ran ResNet-18/50's 3×3 stride-2 layers at
  // 28-35 GFLOP/s against 26-27 for implicit-gemm-subgroup-32x8 at batch 8, and MobileNetV2's
  // 3-channel stem 1.4× slower (bench/kernels.ts), so it comes first from 64 input channels.
  const reduction = shape.inChannels * shape.kernelHeight * shape.kernelWidth;
  const im2col =
    shape.groups === 1 && !pointwise && hasSubgroupsOf8To64(target) && registerBlockedFits(Math.ceil((outHeight * outWidth) / 8)) && foldedColumnsFit &&
    reduction <= MAX_WORKGROUPS_PER_DIMENSION && 4 * im2colScratchLength(shape) <= (target.maxBindingBytes ?? Infinity);
  const im2colFirst = im2col && target.cpuAdapter === true && (shape.strideHeight > 1 || shape.strideWidth > 1) && shape.inChannels >= 64;
  if (im2colFirst) variants.push(IM2COL_SUBGROUP_VARIANT);
  if (winograd4x4First) variants.push(WINOGRAD_4X4_VARIANT);
  if (winogradFirst) variants.push(WINOGRAD_VARIANT);
  if (subgroupImplicitFirst) variants.push(window3x3 ? IMPLICIT_GEMM_3X3_SUBGROUP_VARIANT : IMPLICIT_GEMM_SUBGROUP_VARIANT);
  if (window3x3) variants.push('implicit-gemm-3x3-8x8');
  if (winograd && !winogradFirst) variants.push(WINOGRAD_VARIANT);
  if (winograd4x4 && !winograd4x4First) variants.push(WINOGRAD_4X4_VARIANT);
  if (implicitGemmFits) {
    variants.push('implicit-gemm-8x8');
  }
  if (subgroupImplicit) {
    for (const variant of window3x3 ? [IMPLICIT_GEMM_3X3_SUBGROUP_VARIANT, IMPLICIT_GEMM_SUBGROUP_VARIANT] : [IMPLICIT_GEMM_SUBGROUP_VARIANT]) {
      if (!variants.includes(variant)) variants.push(variant);
    }
  }
  if (im2col && !im2colFirst) variants.push(IM2COL_SUBGROUP_VARIANT);

  // The direct kernel folds its 1-D dispatch, so it runs every shape.
  variants.push('direct');
  return variants;
}

/** Options of `selectConv2d`: a variant to force, the weights' storage type, and the device (KernelTarget). */
export interface SelectConv2dOptions extends KernelTarget {
  /** The variant to use, such as 'direct' or 'winograd-2x2-3x3' (`conv2dVariants` lists those that run a shape). */
  variant?: string;
  /** Storage type of the packed weights (default 'f32'). 'f16' needs the device feature 'shader-f16'. */
  weightPrecision?: WeightPrecision;
}

/**
 * Picks a convolution variant for `shape`: the one `options.variant` names, or else the
 * first of `conv2dVariants`, which lists them fastest first as measured on lavapipe.
 * `options.weightPrecision` (default 'f32') sets the weights' storage type. 'f16' needs a
 * device with the `shader-f16` feature. The other options describe the device as in `conv2dVariants`.
 */
export function selectConv2d(shape: Conv2dShape, epilogue: Epilogue, options: SelectConv2dOptions = {}): Conv2dKernel {
  validateEpilogue(epilogue);
  const applicable = conv2dVariants(shape, options);
  const variant = options.variant ?? applicable[0]!;
  if (!(variant in factories)) {
    throw new Error(`conv2d: unknown variant '${variant}'. Variants: ${Object.keys(factories).join(', ')}; this shape runs ${applicable.join(', ')}.`);
  }
  if (!applicable.includes(variant)) {
    throw new Error(`conv2d: variant '${variant}' cannot run this shape. Applicable variants: ${applicable.join(', ')}.`);
  }
  const kernel = factories[variant]!(shape, epilogue, options.weightPrecision ?? 'f32', pickKernelTarget(options));
  return { ...kernel, builtFor: { shape: { ...shape }, epilogue } };
}
