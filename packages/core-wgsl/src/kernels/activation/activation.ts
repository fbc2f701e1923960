import { f32Literal } from '../../runtime/preprocess';
import type { UniformField } from '../../runtime/program';

/**
 * Activation functions fusable into any kernel's epilogue, with ONNX semantics
 * (HardSigmoid: max(0, min(1, alpha*x + beta)); HardSwish: x * HardSigmoid(x) with alpha 1/6, beta 0.5).
 */
export type Activation =
  | { kind: 'none' }
  | { kind: 'relu' }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'clip'; min: number; max: number }
  | { kind: 'hardSigmoid'; alpha: number; beta: number }
  | { kind: 'hardSwish' }
  | { kind: 'sigmoid' }
  | { kind: 'silu' }
  | { kind: 'tanh' }
  | { kind: 'gelu' };

export const NO_ACTIVATION: Activation = { kind: 'none' };

/** The activation kinds, for messages about an unknown one. */
export const ACTIVATION_KINDS: readonly Activation['kind'][] = ['none', 'relu', 'leakyRelu', 'clip', 'hardSigmoid', 'hardSwish', 'sigmoid', 'silu', 'tanh', 'gelu'];

/** Throws a message naming an unknown activation kind, or a parameter that is not a number (or not finite, except clip bounds). */
export function validateActivation(activation: Activation): void {
  const kind = (activation as { kind?: unknown } | null | undefined)?.kind;
  if (!ACTIVATION_KINDS.includes(kind as Activation['kind'])) {
    throw new Error(`activation ${JSON.stringify(kind)} is unknown; use one of ${ACTIVATION_KINDS.join(', ')}.`);
  }
  const parameters: Record<string, readonly string[]> = { leakyRelu: ['alpha'], clip: ['min', 'max'], hardSigmoid: ['alpha', 'beta'] };
  for (const name of parameters[activation.kind] ?? []) {
    const value = (activation as unknown as Record<string, unknown>)[name];
    // Clip bounds may be infinite (an open side), the other parameters not.
    const valid = typeof value === 'number' && !Number.isNaN(value) && (activation.kind === 'clip' || Number.isFinite(value));
    if (!valid) throw new Error(`activation ${activation.kind}: ${name} is ${JSON.stringify(value) ?? String(value)}, expected a number.`);
  }
}

/** Returns true for no activation, ReLU and Clip (ReLU6): each is a clamp, so one shader with the bounds as uniforms runs all three. */
export function isClampActivation(activation: Activation): boolean {
  return activation.kind === 'none' || activation.kind === 'relu' || activation.kind === 'clip';
}

/**
 * Returns the uniforms `[clamp_min, clamp_max, clamp_enabled]` of a clamp activation, in the order
 * `activationWgsl(activation, { clampFromUniforms: true })` reads them from `params`.
 * Other activations get the neutral values.
 */
export function clampUniforms(activation: Activation): [UniformField, UniformField, UniformField] {
  if (activation.kind === 'relu') return [['f32', 0], ['f32', Infinity], ['u32', 1]];
  if (activation.kind === 'clip') return [['f32', activation.min], ['f32', activation.max], ['u32', 1]];
  return [['f32', -Infinity], ['f32', Infinity], ['u32', 0]];
}

/** A stable string for shader keys: changes exactly when the generated code changes. */
export function activationKey(activation: Activation, options: { clampFromUniforms?: boolean } = {}): string {
  if (options.clampFromUniforms && isClampActivation(activation)) return 'clamp';
  switch (activation.kind) {
    case 'leakyRelu':
      return `leakyRelu(${activation.alpha})`;
    case 'clip':
      return `clip(${activation.min},${activation.max})`;
    case 'hardSigmoid':
      return `hardSigmoid(${activation.alpha},${activation.beta})`;
    default:
      return activation.kind;
  }
}

/**
 * WGSL for `fn activate(x: f32) -> f32` and `fn activate4(x: vec4<f32>) -> vec4<f32>`,
 * to be spliced into a kernel through the `{{ACTIVATION}}` placeholder. With
 * `clampFromUniforms`, a clamp activation reads its bounds from `params.clamp_min`,
 * `params.clamp_max` and `params.clamp_enabled` (see `clampUniforms`).
 */
export function activationWgsl(activation: Activation, options: { clampFromUniforms?: boolean } = {}): string {
  if (options.clampFromUniforms && isClampActivation(activation)) return UNIFORM_CLAMP_WGSL;
  const body = activationExpression(activation);
  return [
    `fn activate(x: f32) -> f32 { return ${body.replaceAll('T', 'f32')}; }`,
    `fn activate4(x: vec4<f32>) -> vec4<f32> { return ${body.replaceAll('T', 'vec4<f32>').replace('gelu_erf(', 'gelu_erf4(')}; }`,
    activationHelpers(activation),
  ].join('\n');
}

// The select keeps x unchanged, NaN included, when no clamp is wanted.
const UNIFORM_CLAMP_WGSL = [
  'fn activate(x: f32) -> f32 {',
  '  return select(x, clamp(x, params.clamp_min, params.clamp_max), params.clamp_enabled != 0u);',
  '}',
  'fn activate4(x: vec4<f32>) -> vec4<f32> {',
  '  return select(x, clamp(x, vec4<f32>(params.clamp_min), vec4<f32>(params.clamp_max)), params.clamp_enabled != 0u);',
  '}',
].join('\n');

// Expressions over `x` of type T (f32 or vec4<f32>); T(...) splats scalars.
function activationExpression(activation: Activation): string {
  switch (activation.kind) {
    case 'none':
      return 'x';
    case 'relu':
      return 'max(x, T(0.0))';
    case 'leakyRelu':
      return `select(x * T(${f32Literal(activation.alpha)}), x, x >= T(0.0))`;
    case 'clip':
      return `clamp(x, T(${f32Literal(activation.min)}), T(${f32Literal(activation.max)}))`;
    case 'hardSigmoid':
      return `clamp(x * T(${f32Literal(activation.alpha)}) + T(${f32Literal(activation.beta)}), T(0.0), T(1.0))`;
    case 'hardSwish':
      return 'x * clamp(x * T(0.16666667) + T(0.5), T(0.0), T(1.0))';
    case 'sigmoid':
      return 'T(1.0) / (T(1.0) + exp(-x))';
    case 'silu':
      return 'x / (T(1.0) + exp(-x))';
    case 'tanh':
      // tanh(x) = 1 - 2 / (exp(2x) + 1); clamped so exp cannot overflow to inf/inf.
      return 'T(1.0) - T(2.0) / (exp(clamp(T(2.0) * x, T(-80.0), T(80.0))) + T(1.0))';
    case 'gelu':
      // Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), with erf from Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7).
      return 'gelu_erf(x)';
    default:
      validateActivation(activation);
      throw new Error(`activation ${JSON.stringify(activation)} has no WGSL expression.`);
  }
}

/** Extra WGSL helper functions an activation needs; empty for most. */
export function activationHelpers(activation: Activation): string {
  if (activation.kind !== 'gelu') return '';
  return [
    'fn erf_approx(z: f32) -> f32 {',
    '  let a = abs(z);',
    '  let t = 1.0 / (1.0 + 0.3275911 * a);',
    '  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));',
    '  let y = 1.0 - poly * exp(-a * a);',
    '  return select(-y, y, z >= 0.0);',
    '}',
    'fn gelu_erf(x: f32) -> f32 { return 0.5 * x * (1.0 + erf_approx(x * 0.70710678)); }',
    'fn gelu_erf4(x: vec4<f32>) -> vec4<f32> {',
    '  return vec4<f32>(gelu_erf(x.x), gelu_erf(x.y), gelu_erf(x.z), gelu_erf(x.w));',
    '}',
  ].join('\n');
}
