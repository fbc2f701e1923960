import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import { MAX_WORKGROUPS_PER_DIMENSION } from '../gemm/workgroup-limits';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import commonSource from './conv2d-depthwise-common.wgsl';
import source from './conv2d-depthwise.wgsl';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

/** Creates the depthwise convolution (groups = inChannels): 4 or 8 outputs along 1, 4 or 8 rows per invocation. */
export function conv2dDepthwise(shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32'): Conv2dKernel {
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const fused = epilogueWgsl(epilogue, 2);

  // The unrolled 3×3 path needs equal strides of 1 or 2 so its input windows have a fixed size.
  const stride = shape.strideWidth;
  const kernel3x3 =
    shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.dilationHeight === 1 && shape.dilationWidth === 1 &&
    shape.strideHeight === stride && (stride === 1 || stride === 2);
  // 8 outputs along a row share more of their input window than 4 (at stride 1, 10 loads for 8
  // outputs instead of 6 for 4) and halve the invocations. On lavapipe they were 4-14% faster
  // at stride 1 and 7-10% at stride 2 on 56-wide outputs. Rows narrower than 16 keep 4,
  // because on 14- and 7-wide maps 8 showed no clear gain.
  const outputs = kernel3x3 && outWidth >= 16 ? 8 : 4;
  const window = (outputs - 1) * stride + 3;
  // Output rows per invocation in the 3×3 path: consecutive rows share input rows, so more rows
  // load fewer inputs per output. On lavapipe 8 rows beat 2 by 30-60% on MobileNetV2's layers,
  // but on 7×7 maps 4 rows did as well as 8, which would waste a row.
  let rows = 1;
  if (kernel3x3) rows = outHeight >= 16 ? 8 : 4;

  const blocksPerPlane = ceilDiv(outWidth, outputs) * ceilDiv(outHeight, rows);
  const planes = batch * outChannels;
  // A plane of at least 32 blocks fills half a workgroup, so one plane per workgroup row wastes little.
  const uniformChannel =
    blocksPerPlane >= 32 && planes <= MAX_WORKGROUPS_PER_DIMENSION && ceilDiv(blocksPerPlane, 64) <= MAX_WORKGROUPS_PER_DIMENSION;
  const dispatch: [number, number, number] = uniformChannel
    ? [ceilDiv(blocksPerPlane, 64), planes, 1]
    : dispatch1d(ceilDiv(blocksPerPlane * planes, 64));

  const defines = {
    ...fused.defines,
    ...weightDefines(weightPrecision),
    KERNEL_3X3: kernel3x3,
    STRIDE: kernel3x3 ? stride : 1,
    WINDOW: kernel3x3 ? window : 1,
    ROWS: rows,
    OUTPUTS: outputs,
    SUMS: rows * (outputs / 4),
    IN_ROWS: kernel3x3 ? (rows - 1) * stride + 3 : 1,
    UNIFORM_CHANNEL: uniformChannel,
    VEC4_OUTPUT: false,
  };
  const kernelKey = kernel3x3 ? `3x3s${stride}x${outputs}` : 'any';
  return {
    variant: 'depthwise-4x',
    weightPrecision,
    packWeights: (weights) => encodeWeights(Float32Array.from(weights), weightPrecision),
    program: {
      name: 'conv2d-depthwise-4x',
      shaderKey: `conv2d-depthwise-4x|${kernelKey}|rows=${rows}|uniformChannel=${uniformChannel}|${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source, commonSource].join('\n'), defines),
      dispatch,
      uniforms: [...conv2dUniforms(shape, blocksPerPlane * planes), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
