import { toFloat16Bits } from '../runtime/float16';
import enableF16Source from './enable-f16.wgsl';

/**
 * Storage type of a convolution's weights or a GEMM's constant B operand. 'f16' halves their
 * memory and needs the WebGPU `shader-f16` feature. The kernels convert each weight to f32 on
 * load, so bias, activations and all arithmetic stay f32.
 */
export type WeightPrecision = 'f32' | 'f16';

export const WEIGHT_PRECISIONS: readonly WeightPrecision[] = ['f32', 'f16'];

/**
 * WGSL that must open every kernel module reading weights: `enable f16;` when they are f16.
 * WGSL requires enable directives before any declaration, so list it first in the sources.
 */
export const weightPrecisionHeader = enableF16Source;

/** Defines that switch the weight binding between `f32` and `f16` elements. */
export function weightDefines(precision: WeightPrecision): { WEIGHTS_F16: boolean } {
  return { WEIGHTS_F16: precision === 'f16' };
}

/** Returns the shader-key fragment for the weight precision, which changes the code. */
export function weightKey(precision: WeightPrecision): string {
  return `weights=${precision}`;
}

/**
 * Returns packed weights in the precision the kernel reads: the float32 values as they are, or
 * their float16 bit patterns padded to a multiple of 4 values (one `vec4<f16>`, 8 bytes). The
 * padding makes the buffer whole elements of either binding type and a multiple of 4 bytes.
 */
export function encodeWeights(packed: Float32Array, precision: WeightPrecision): Float32Array | Uint16Array {
  return precision === 'f16' ? toFloat16Bits(packed, 4) : packed;
}

/** Throws unless `value` names a weight precision. */
export function checkWeightPrecision(value: string, source: string): WeightPrecision {
  if (!(WEIGHT_PRECISIONS as readonly string[]).includes(value)) {
    throw new Error(`Invalid ${source} '${value}': expected one of ${WEIGHT_PRECISIONS.join(', ')}.`);
  }
  return value as WeightPrecision;
}
