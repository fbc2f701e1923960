import type { KernelProgram } from '../../runtime/program';

/**
 * One convolution variant for one layer shape. Bindings: input NCHW, packed weights,
 * [bias (outChannels)], [residual NCHW, same shape as the output] → output NCHW.
 */
export interface Conv2dKernel {
  /** Variant name, such as 'pointwise-gemm-8x8', 'depthwise-4x', 'implicit-gemm-4x8' or 'direct'. */
  variant: string;
  /** Reorders OIHW weights into the layout this variant reads. Run once at load time. */
  packWeights(weightsOIHW: Float32Array): Float32Array;
  program: KernelProgram;
}
