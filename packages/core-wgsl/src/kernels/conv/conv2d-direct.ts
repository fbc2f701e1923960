import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import paramsSource from './conv2d-params.wgsl';
import source from './conv2d-direct.wgsl';
import { conv2dFlops, conv2dOutputLength, conv2dUniforms, type Conv2dShape } from './conv2d-shape';
import type { Conv2dKernel } from './conv2d-kernel';

/** Creates the general convolution: one output per invocation, weights read as OIHW. */
export function conv2dDirect(shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32'): Conv2dKernel {
  const outputLength = conv2dOutputLength(shape);
  const fused = epilogueWgsl(epilogue, 2);
  const program: KernelProgram = {
    name: 'conv2d-direct',
    shaderKey: `conv2d-direct|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
    code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), { ...fused.defines, ...weightDefines(weightPrecision) }),
    dispatch: dispatch1d(ceilDiv(outputLength, 64)),
    uniforms: [...conv2dUniforms(shape, outputLength), ...epilogueUniforms(epilogue)],
    inputCount: 2 + epilogueInputCount(epilogue),
    cost: conv2dCost(shape, weightPrecision),
  };
  return { variant: 'direct', weightPrecision, packWeights: (weights) => encodeWeights(Float32Array.from(weights), weightPrecision), program };
}

/** FLOPs and the bytes of input, weights (2 each as f16) and output, each touched once. */
export function conv2dCost(shape: Conv2dShape, weightPrecision: WeightPrecision = 'f32'): { flops: number; bytes: number } {
  const inputLength = shape.batch * shape.inChannels * shape.inHeight * shape.inWidth;
  const weightLength = (shape.outChannels * shape.inChannels * shape.kernelHeight * shape.kernelWidth) / shape.groups;
  const weightBytes = weightPrecision === 'f16' ? 2 : 4;
  return { flops: conv2dFlops(shape), bytes: 4 * (inputLength + conv2dOutputLength(shape)) + weightBytes * weightLength };
}
