import type { KernelProgram } from '../../runtime/program';
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
}
