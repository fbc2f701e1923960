import { ceilDiv, dispatch1d, type KernelProgram } from '../src/runtime/program';
import source from './memory-bound.wgsl';

export const MEMORY_BOUND_VARIANT = 'memory-bound-vec4';

// vec4s each invocation writes: about one 14×14 plane, as the row-pair depthwise kernel writes.
const OUT_VECTORS_PER_INVOCATION = 48;

/**
 * Builds a program that reads `inputLength` floats and writes `outputLength`, both as vec4s,
 * with `flops` as its cost. Its GFLOP/s is the most a kernel of that many FLOPs and bytes can
 * reach on the adapter that runs it, unless it does its arithmetic for free.
 */
export function memoryBoundProgram(inputLength: number, outputLength: number, flops: number): KernelProgram {
  const inVectors = ceilDiv(inputLength, 4);
  const outVectors = ceilDiv(outputLength, 4);
  const invocations = ceilDiv(outVectors, OUT_VECTORS_PER_INVOCATION);
  return {
    name: 'memory-bound',
    shaderKey: 'memory-bound',
    code: source,
    dispatch: dispatch1d(ceilDiv(invocations, 8)),
    uniforms: [
      ['u32', inVectors],
      ['u32', outVectors],
      ['u32', ceilDiv(inVectors, invocations)],
      ['u32', OUT_VECTORS_PER_INVOCATION],
    ],
    inputCount: 1,
    cost: { flops, bytes: 16 * (inVectors + outVectors) },
  };
}
