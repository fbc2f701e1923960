import type { Activation, Epilogue } from '../../src/index';

/** Float64 activation functions with ONNX operator semantics. */
export function activateReference(activation: Activation, x: number): number {
  switch (activation.kind) {
    case 'none':
      return x;
    case 'relu':
      return Math.max(x, 0);
    case 'leakyRelu':
      return x >= 0 ? x : activation.alpha * x;
    case 'clip':
      return Math.min(Math.max(x, activation.min), activation.max);
    case 'hardSigmoid':
      return Math.min(Math.max(activation.alpha * x + activation.beta, 0), 1);
    case 'hardSwish':
      return x * Math.min(Math.max(x / 6 + 0.5, 0), 1);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
    case 'gelu':
      throw new Error('activateReference: gelu needs erf, which this float64 reference does not implement.');
  }
}

/** Applies bias, residual and activation in float64, in the order `Epilogue` defines. */
export function epilogueReference(
  epilogue: Epilogue,
  sum: number,
  bias: number,
  residual: number,
): number {
  let value = sum + (epilogue.bias ? bias : 0);
  if (epilogue.residual === 'beforeActivation') value += residual;
  value = activateReference(epilogue.activation, value);
  if (epilogue.residual === 'afterActivation') value += residual;
  return value;
}
