import type { Defines } from '../runtime/preprocess';
import type { UniformField } from '../runtime/program';
import { activationKey, activationWgsl, clampUniforms, validateActivation, type Activation } from './activation/activation';
import source from './epilogue.wgsl';

/**
 * Work fused after a convolution or GEMM, applied in this order: + bias (per output
 * channel, or per column of a GEMM), then the residual add and the activation in the
 * order `residual` names. ResNet's relu(conv + x) is 'beforeActivation'.
 */
export interface Epilogue {
  bias: boolean;
  activation: Activation;
  residual: 'none' | 'beforeActivation' | 'afterActivation';
}

/** `{ bias: false, activation: { kind: 'none' }, residual: 'none' }`: the convolution or product alone. */
export const PLAIN_EPILOGUE: Epilogue = { bias: false, activation: { kind: 'none' }, residual: 'none' };

/** Throws a message naming an epilogue field that is not one of its allowed values. */
export function validateEpilogue(epilogue: Epilogue): void {
  if (typeof epilogue?.bias !== 'boolean') throw new Error(`epilogue.bias is ${JSON.stringify(epilogue?.bias)}, expected true or false.`);
  if (!['none', 'beforeActivation', 'afterActivation'].includes(epilogue.residual)) {
    throw new Error(`epilogue.residual is ${JSON.stringify(epilogue.residual)}; use 'none', 'beforeActivation' or 'afterActivation'.`);
  }
  validateActivation(epilogue.activation);
}

/** Returns a stable shader-key fragment that changes exactly when the epilogue code changes. */
export function epilogueKey(epilogue: Epilogue): string {
  return `bias=${epilogue.bias}|residual=${epilogue.residual}|act=${activationKey(epilogue.activation, { clampFromUniforms: true })}`;
}

/**
 * Uniform fields of the epilogue, appended after the kernel's shape uniforms: the clamp
 * bounds, so that no activation, ReLU and ReLU6 share one pipeline. Each pipeline
 * compiled on lavapipe costs 0.1-0.5 s of the first run, and MobileNetV2 alone would
 * need a second copy of most of its convolution pipelines.
 */
export function epilogueUniforms(epilogue: Epilogue): UniformField[] {
  return clampUniforms(epilogue.activation);
}

/** Number of storage inputs the epilogue adds after the main operands: bias, then residual. */
export function epilogueInputCount(epilogue: Epilogue): number {
  return (epilogue.bias ? 1 : 0) + (epilogue.residual === 'none' ? 0 : 1);
}

/**
 * WGSL of the epilogue and the defines it needs, for a kernel whose main operands
 * take bindings 1..`operandCount` (binding 0 is the uniform buffer). The output
 * binding number is returned as `OUTPUT_BINDING`. `residualVec4` binds the residual as
 * vec4 for kernels whose `load_residual4` indices are all multiples of 4 (one load, not four).
 */
export function epilogueWgsl(
  epilogue: Epilogue,
  operandCount: number,
  options: { residualVec4?: boolean } = {},
): { source: string; defines: Defines } {
  const biasBinding = operandCount + 1;
  const residualBinding = biasBinding + (epilogue.bias ? 1 : 0);
  const outputBinding = operandCount + 1 + epilogueInputCount(epilogue);
  return {
    source,
    defines: {
      HAS_BIAS: epilogue.bias,
      HAS_RESIDUAL: epilogue.residual !== 'none',
      RESIDUAL_BEFORE_ACTIVATION: epilogue.residual === 'beforeActivation',
      RESIDUAL_AFTER_ACTIVATION: epilogue.residual === 'afterActivation',
      RESIDUAL_VEC4: options.residualVec4 ?? false,
      BIAS_BINDING: biasBinding,
      RESIDUAL_BINDING: residualBinding,
      OUTPUT_BINDING: outputBinding,
      ACTIVATION: activationWgsl(epilogue.activation, { clampFromUniforms: true }),
    },
  };
}
