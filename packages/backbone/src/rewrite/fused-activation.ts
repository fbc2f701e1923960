import type { Activation } from '@offshelf/core-wgsl';

import { numberAttribute, numbersAttribute, stringAttribute } from '../ir/attributes';
import type { Node } from '../ir/graph';

/**
 * Returns the activation an ONNX node computes, or null when the op is not an element-wise activation.
 * Clip reads `min`/`max` attributes, where the importer moves constant operands.
 */
export function activationOf(node: Node): Activation | null {
  switch (node.opType) {
    case 'Relu':
      return { kind: 'relu' };
    case 'Clip':
      return { kind: 'clip', min: clipBound(numberAttribute(node, 'min', -Infinity)), max: clipBound(numberAttribute(node, 'max', Infinity)) };
    case 'HardSwish':
      return { kind: 'hardSwish' };
    case 'HardSigmoid':
      return { kind: 'hardSigmoid', alpha: numberAttribute(node, 'alpha', 0.2), beta: numberAttribute(node, 'beta', 0.5) };
    case 'Sigmoid':
      return { kind: 'sigmoid' };
    case 'LeakyRelu':
      return { kind: 'leakyRelu', alpha: numberAttribute(node, 'alpha', 0.01) };
    case 'Tanh':
      return { kind: 'tanh' };
    default:
      return null;
  }
}

/** Stores an activation in a fused node's `activation` and `activation_params` attributes. */
export function setFusedActivation(node: Node, activation: Activation): void {
  node.attributes.activation = activation.kind;
  switch (activation.kind) {
    case 'clip':
      node.attributes.activation_params = [activation.min, activation.max];
      break;
    case 'hardSigmoid':
      node.attributes.activation_params = [activation.alpha, activation.beta];
      break;
    case 'leakyRelu':
      node.attributes.activation_params = [activation.alpha];
      break;
  }
}

/** Reads the activation of a fused node (`offshelf.FusedConv`, `offshelf.FusedGemm`). */
export function fusedActivation(node: Node): Activation {
  const kind = stringAttribute(node, 'activation', 'none');
  const params = numbersAttribute(node, 'activation_params', []);
  switch (kind) {
    case 'clip':
      return { kind, min: params[0] ?? -Infinity, max: params[1] ?? Infinity };
    case 'hardSigmoid':
      return { kind, alpha: params[0] ?? 0.2, beta: params[1] ?? 0.5 };
    case 'leakyRelu':
      return { kind, alpha: params[0] ?? 0.01 };
    default:
      return { kind } as Activation;
  }
}

// Exporters write ±FLT_MAX or ±inf for "no bound". Both become ±3.4028234e38, the largest
// short decimal that WGSL accepts as an f32 literal (3.40282347e38 rounds above FLT_MAX).
function clipBound(value: number): number {
  return Math.max(-3.4028234e38, Math.min(3.4028234e38, value));
}
