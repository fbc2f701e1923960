import type { KernelProgram } from '../../runtime/program';
import type { Epilogue } from '../epilogue';
import type { Conv2dShape } from './conv2d-shape';
import type { WeightPrecision } from '../weight-precision';

/**
 * One convolution variant for one layer shape. Bindings: input NCHW, packed weights,
 * [bias (outChannels)], [residual NCHW, same shape as the output] → output NCHW.
 */
export interface Conv2dKernel {
  /** Variant name, such as 'pointwise-gemm-8x8', 'depthwise-4x', 'implicit-gemm-4x8' or 'direct'. */
  variant: string;
  /** Storage type the program reads the weights in. */
  weightPrecision: WeightPrecision;
  /**
   * Reorders OIHW weights into the layout this variant reads, as float32 or, for 'f16', as
   * float16 bit patterns. Run once at load time.
   */
  packWeights(weightsOIHW: Float32Array): Float32Array | Uint16Array;
  program: KernelProgram;
  /**
   * The dispatches of a multi-pass variant such as Winograd, in order, with `program` the last.
   * Absent for one-dispatch variants. `conv2dPasses` returns the dispatches of either kind.
   */
  passes?: Conv2dPass[];
  /** Float32 length of each scratch buffer that `passes` name, written by one pass and read by a later one. */
  scratchLengths?: number[];
  /** The shape and epilogue the kernel was made for, which `runConv2d` checks. `selectConv2d` sets them. */
  builtFor?: { shape: Conv2dShape; epilogue: Epilogue };
}

/** A buffer that one pass of a multi-pass variant binds: an operand of the convolution, or a scratch buffer. */
export type Conv2dOperand = 'input' | 'weights' | 'bias' | 'residual' | 'output' | { scratch: number };

/** One dispatch of a multi-pass variant, with the buffers it reads (in binding order) and writes. */
export interface Conv2dPass {
  program: KernelProgram;
  inputs: Conv2dOperand[];
  output: Conv2dOperand;
}

/**
 * Returns the dispatches that compute `kernel`'s convolution: its `passes`, or else its one
 * `program` reading input, weights, [bias], [residual] into the output. A one-pass kernel does not
 * record which operands its epilogue binds, so they come from `epilogue`, the one it was selected
 * with.
 */
export function conv2dPasses(kernel: Conv2dKernel, epilogue: Epilogue): Conv2dPass[] {
  if (kernel.passes) return kernel.passes;
  return [{ program: kernel.program, inputs: ['input', 'weights', ...epilogueOperands(epilogue)], output: 'output' }];
}

/** Returns `passes` with each program marked as one pass of `variant` (KernelProgram.partOf). @internal */
export function markPasses(variant: string, passes: Conv2dPass[]): Conv2dPass[] {
  return passes.map((pass) => ({ ...pass, program: { ...pass.program, partOf: variant } }));
}

/** Returns the operands the epilogue binds after a pass's own inputs: [bias], [residual]. */
export function epilogueOperands(epilogue: Epilogue): Conv2dOperand[] {
  const operands: Conv2dOperand[] = [];
  if (epilogue.bias) operands.push('bias');
  if (epilogue.residual !== 'none') operands.push('residual');
  return operands;
}
