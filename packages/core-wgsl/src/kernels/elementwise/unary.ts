import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { activationKey, activationWgsl, type Activation } from '../activation/activation';
import source from './unary.wgsl';

/** Element-wise activation over `length` floats. Bindings: input → output. */
export function unaryProgram(length: number, activation: Activation): KernelProgram {
  return {
    name: `unary-${activation.kind}`,
    shaderKey: `unary|${activationKey(activation)}`,
    code: specializeWgsl(source, { ACTIVATION: activationWgsl(activation) }),
    dispatch: dispatch1d(ceilDiv(length, 256)),
    uniforms: [['u32', length]],
    inputCount: 1,
    cost: { flops: length, bytes: length * 8 },
    operandLengths: { inputs: [length], output: length },
  };
}
