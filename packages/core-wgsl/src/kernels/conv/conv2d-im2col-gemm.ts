import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, type KernelProgram } from '../../runtime/program';
import { epilogueUniforms, PLAIN_EPILOGUE, type Epilogue } from '../epilogue';
import { checkWorkgroupCounts } from '../gemm/workgroup-limits';
import { DEFAULT_SUBGROUP_LANES, type SubgroupLanes } from '../kernel-target';
import type { WeightPrecision } from '../weight-precision';
import { epilogueOperands, markPasses, type Conv2dKernel, type Conv2dOperand } from './conv2d-kernel';
import paramsSource from './conv2d-params.wgsl';
import source from './conv2d-im2col.wgsl';
import { conv2dPointwiseSubgroup } from './conv2d-pointwise-subgroup';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const IM2COL_SUBGROUP_VARIANT = 'im2col-gemm-subgroup-32x8';

/** Float32 length of the im2col scratch buffer: batch × (C·KH·KW) × output pixels. */
export function im2colScratchLength(shape: Conv2dShape): number {
  const [batch, , outHeight, outWidth] = conv2dOutputShape(shape);
  return batch * shape.inChannels * shape.kernelHeight * shape.kernelWidth * outHeight * outWidth;
}

/**
 * Creates the convolution (one group) as two dispatches: im2col into a scratch buffer, then the
 * 1×1 subgroup kernel (conv2d-pointwise-subgroup.wgsl) with the OIHW weights as an O × (C·KH·KW)
 * matrix and the fused epilogue. `lanes` sets the subgroup and workgroup sizes of the second, as
 * for conv2dPointwiseSubgroup.
 * The scratch contains C·KH·KW values per output pixel, which the runner bounds by running large
 * batches in chunks.
 */
export function conv2dIm2colGemmSubgroup(
  shape: Conv2dShape,
  epilogue: Epilogue,
  weightPrecision: WeightPrecision = 'f32',
  lanes: SubgroupLanes = DEFAULT_SUBGROUP_LANES,
): Conv2dKernel {
  if (shape.groups !== 1) {
    throw new Error(`conv2d ${IM2COL_SUBGROUP_VARIANT}: invalid groups ${shape.groups}. It requires one group. Use implicit-gemm-8x8 or direct instead.`);
  }
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const reduction = shape.inChannels * shape.kernelHeight * shape.kernelWidth;
  const gemmShape: Conv2dShape = {
    batch, inChannels: reduction, inHeight: outHeight, inWidth: outWidth, outChannels,
    kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
    padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1,
  };
  const gemm = conv2dPointwiseSubgroup(gemmShape, epilogue, weightPrecision, lanes);
  const gemmProgram: KernelProgram = { ...gemm.program, name: 'conv2d-im2col-gemm' };

  const pixels = outHeight * outWidth;
  const scratchLengths = [im2colScratchLength(shape)];
  const im2col: KernelProgram = {
    name: 'conv2d-im2col',
    shaderKey: 'conv2d-im2col',
    code: specializeWgsl([paramsSource, source].join('\n'), {}),
    // Groups of 4 output pixels on x, reduction indices on y, images on z.
    dispatch: checkWorkgroupCounts(`conv2d ${IM2COL_SUBGROUP_VARIANT} im2col`, [ceilDiv(ceilDiv(pixels, 4), 64), reduction, batch]),
    uniforms: [...conv2dUniforms(shape, 0), ...epilogueUniforms(PLAIN_EPILOGUE)],
    inputCount: 1,
    cost: { flops: 0, bytes: 4 * (batch * shape.inChannels * shape.inHeight * shape.inWidth + scratchLengths[0]!) },
  };

  const columns: Conv2dOperand = { scratch: 0 };
  const passes = markPasses(IM2COL_SUBGROUP_VARIANT, [
    { program: im2col, inputs: ['input'], output: columns },
    { program: gemmProgram, inputs: [columns, 'weights', ...epilogueOperands(epilogue)], output: 'output' },
  ]);
  return {
    variant: IM2COL_SUBGROUP_VARIANT,
    weightPrecision,
    packWeights: gemm.packWeights,
    program: passes[1]!.program,
    passes,
    scratchLengths,
  };
}
