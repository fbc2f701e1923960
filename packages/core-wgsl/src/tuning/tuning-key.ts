import { conv2dVariants, selectConv2d } from '../kernels/conv/select-conv2d';
import { conv2dPasses, type Conv2dPass } from '../kernels/conv/conv2d-kernel';
import type { Conv2dShape } from '../kernels/conv/conv2d-shape';
import { epilogueKey, type Epilogue } from '../kernels/epilogue';
import type { KernelTarget } from '../kernels/kernel-target';
import { gemmLayoutKey, type GemmShape } from '../kernels/gemm/gemm-shape';
import { gemmVariants, selectGemm } from '../kernels/gemm/select-gemm';

/** One convolution or GEMM to tune: the kernel kind, its concrete shape and its fused epilogue. */
export type TuningKey =
  | { kind: 'conv2d'; shape: Conv2dShape; epilogue: Epilogue }
  | { kind: 'gemm'; shape: GemmShape; epilogue: Epilogue };

/**
 * Returns a stable string for `key`: equal strings mean the same kernel work done by the
 * same kernel code. The code fingerprint makes entries tuned before a kernel change miss.
 */
export function tuningKeyString(key: TuningKey): string {
  const epilogue = epilogueKey(key.epilogue);
  const code = variantCodeFingerprint(key);
  if (key.kind === 'conv2d') {
    const s = key.shape;
    return (
      `conv2d|n=${s.batch}|c=${s.inChannels}|h=${s.inHeight}|w=${s.inWidth}|o=${s.outChannels}` +
      `|k=${s.kernelHeight}x${s.kernelWidth}|s=${s.strideHeight}x${s.strideWidth}|d=${s.dilationHeight}x${s.dilationWidth}` +
      `|p=${s.padTop},${s.padLeft},${s.padBottom},${s.padRight}|g=${s.groups}|${epilogue}|code=${code}`
    );
  }
  const s = key.shape;
  return `gemm|b=${s.batch}|m=${s.M}|n=${s.N}|k=${s.K}|alpha=${s.alpha}|broadcastB=${s.broadcastB}|${gemmLayoutKey(s)}|${epilogue}|code=${code}`;
}

// A target under which every variant applies, the subgroup ones included, for the code fingerprint.
const FINGERPRINT_TARGET: KernelTarget = { subgroupSizes: { min: 8, max: 8 }, cpuAdapter: true };

/** Returns a 32-bit FNV-1a hash, in hex, of the names and WGSL of every variant applicable to `key` on any device. */
function variantCodeFingerprint(key: TuningKey): string {
  let hash = 0x811c9dc5;
  for (const variant of variantsFor(key, FINGERPRINT_TARGET)) {
    const text = `${variant}\n${buildVariant(key, variant, FINGERPRINT_TARGET).passes.map((pass) => pass.program.code).join('\n')}\n`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash.toString(16).padStart(8, '0');
}

/** Returns a short human-readable shape, such as `conv2d 8x32x112x112 k3x3 s1 g32`, for tables. */
export function describeTuningKey(key: TuningKey): string {
  if (key.kind === 'conv2d') {
    const s = key.shape;
    const stride = s.strideHeight === s.strideWidth ? `${s.strideHeight}` : `${s.strideHeight}x${s.strideWidth}`;
    return `${s.batch}x${s.inChannels}x${s.inHeight}x${s.inWidth}→${s.outChannels} k${s.kernelHeight}x${s.kernelWidth} s${stride} g${s.groups}`;
  }
  const s = key.shape;
  return `${s.batch}x${s.M}x${s.N}x${s.K}${s.transposeA ? ' tA' : ''}${s.transposeB ? ' tB' : ''}`;
}

/**
 * Lists the variants that can run `key` on `target`, the selector's default first (see
 * `conv2dVariants` for what the target changes).
 */
export function variantsFor(key: TuningKey, target: KernelTarget = {}): string[] {
  return key.kind === 'conv2d' ? conv2dVariants(key.shape, target) : gemmVariants(key.shape);
}

/** Number of products each output sums, which sets the float32 rounding error of every variant. */
export function reductionLength(key: TuningKey): number {
  if (key.kind === 'gemm') return key.shape.K;
  const s = key.shape;
  return (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth;
}

/**
 * The dispatches of one variant of `key` (one, or several for a multi-pass convolution such as
 * Winograd), the scratch buffers between them, and the function that packs its constant operand.
 * A GEMM's A and B bind where a convolution's input and weights do. `program` is the last dispatch.
 */
export function buildVariant(key: TuningKey, variant: string, target: KernelTarget = {}) {
  if (key.kind === 'conv2d') {
    const kernel = selectConv2d(key.shape, key.epilogue, { ...target, variant });
    const passes = conv2dPasses(kernel, key.epilogue);
    return { program: kernel.program, passes, scratchLengths: kernel.scratchLengths ?? [], pack: (data: Float32Array) => kernel.packWeights(data) };
  }
  const kernel = selectGemm(key.shape, key.epilogue, { ...target, variant });
  const pass: Conv2dPass = { program: kernel.program, inputs: ['input', 'weights'], output: 'output' };
  if (key.epilogue.bias) pass.inputs.push('bias');
  if (key.epilogue.residual !== 'none') pass.inputs.push('residual');
  return { program: kernel.program, passes: [pass], scratchLengths: [] as number[], pack: (data: Float32Array) => kernel.packB(data) };
}
