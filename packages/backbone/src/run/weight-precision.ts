import type { WeightPrecision } from '@offshelf/core-wgsl';

/** The requested weight precision needs a WebGPU feature that the device lacks. */
export class WeightPrecisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightPrecisionError';
  }
}

/**
 * Checks that `device` can run kernels that read weights in `precision`: 'f16' needs the WebGPU
 * `shader-f16` feature, which `requestDevice` from `@offshelf/device` enables when the adapter has it.
 */
export function checkWeightPrecisionSupport(device: GPUDevice, precision: WeightPrecision): void {
  if (precision !== 'f32' && precision !== 'f16') {
    throw new WeightPrecisionError(`Invalid weightPrecision '${String(precision)}': expected 'f32' or 'f16'.`);
  }
  if (precision === 'f16' && !device.features.has('shader-f16')) {
    throw new WeightPrecisionError(
      "weightPrecision 'f16' needs the WebGPU feature 'shader-f16', which this device does not have. " +
        "Use weightPrecision 'f32', or a device whose adapter has 'shader-f16' (requested at device creation).",
    );
  }
}
