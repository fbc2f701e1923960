import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import { activationKey, activationWgsl, NO_ACTIVATION, type Activation } from '../activation/activation';
import source from './batch-normalization.wgsl';

export interface BatchNormalizationParams {
  /** Input shape `[N, C, ...spatial]`, which is also the output shape. */
  inputShape: readonly number[];
  /** Added to the variance before the square root. ONNX's default is 1e-5. */
  epsilon?: number;
  /** Activation applied to each result, such as the ReLU that usually follows. */
  activation?: Activation;
}

/**
 * Batch normalization in inference mode, as ONNX BatchNormalization with
 * `training_mode = 0`: `y = (x − mean[c]) / sqrt(var[c] + epsilon) · scale[c] + bias[c]`.
 * Graphs usually fold it into the preceding convolution, and this kernel serves the rest.
 *
 * Bindings: uniforms → input → scale `[C]` → bias `[C]` → mean `[C]` → var `[C]` → output.
 */
export function batchNormalizationProgram(params: BatchNormalizationParams): KernelProgram {
  const { inputShape } = params;
  const epsilon = params.epsilon ?? 1e-5;
  const activation = params.activation ?? NO_ACTIVATION;
  if (inputShape.length < 2) {
    throw new Error(`batch-normalization: input shape [${inputShape.join(', ')}] needs at least 2 axes, [N, C, ...spatial].`);
  }
  const channels = inputShape[1]!;
  const spatialSize = inputShape.slice(2).reduce((p, s) => p * s, 1);
  const length = inputShape[0]! * channels * spatialSize;

  return {
    name: 'batch-normalization',
    shaderKey: `batch-normalization|${activationKey(activation)}`,
    code: specializeWgsl(source, { ACTIVATION: activationWgsl(activation) }),
    dispatch: dispatch1d(ceilDiv(length, 256)),
    uniforms: [
      ['u32', length],
      ['u32', channels],
      ['u32', spatialSize],
      ['f32', epsilon],
    ],
    inputCount: 5,
    cost: { flops: length * 5, bytes: length * 8 + channels * 16 },
    // The input, then scale, bias, mean and variance, one per channel.
    operandLengths: { inputs: [length, channels, channels, channels, channels], output: length },
  };
}
