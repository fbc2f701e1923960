import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d } from '../../runtime/program';
import { epilogueInputCount, epilogueKey, epilogueUniforms, epilogueWgsl, type Epilogue } from '../epilogue';
import type { KernelTarget } from '../kernel-target';
import { encodeWeights, weightDefines, weightKey, weightPrecisionHeader, type WeightPrecision } from '../weight-precision';
import { conv2dCost } from './conv2d-direct';
import type { Conv2dKernel } from './conv2d-kernel';
import source from './conv2d-depthwise-strip.wgsl';
import paramsSource from './conv2d-params.wgsl';
import { conv2dOutputShape, conv2dUniforms, type Conv2dShape } from './conv2d-shape';

export const DEPTHWISE_STRIP_VARIANT = 'depthwise-3x3-strip';

// Widest strip of output columns per invocation at stride 1 and 2. Each strip keeps one input
// window of up to 18 (stride 1) or 17 (stride 2) values and its partial sums in registers.
const MAX_STRIP = [16, 8];
// Narrowest strip of a row wider than the widest strip.
const MIN_STRIP = [8, 7];
// Widest row that one stride-1 strip with vec4 loads covers whole. Wider rows take strips of 8.
const MAX_WHOLE_ROW = 28;
// Strips that read and write aligned vec4s, in order of preference.
const VEC4_STRIPS = [8, 4];

/** Checks that the strip depthwise kernel can run `shape`: one input channel per group, 3×3, dilation 1, equal strides of 1 or 2. */
export function fitsDepthwiseStrip(shape: Conv2dShape): boolean {
  const stride = shape.strideWidth;
  return shape.groups === shape.inChannels && shape.kernelHeight === 3 && shape.kernelWidth === 3 &&
    shape.dilationHeight === 1 && shape.dilationWidth === 1 && shape.strideHeight === stride && (stride === 1 || stride === 2);
}

/**
 * Returns the strip width for `outWidth` output columns at `stride` 1 or 2. A row of up to 16
 * columns (8 at stride 2) is one strip. A wider row takes its narrowest divisor from 8 (7 at
 * stride 2) up to that limit, so that no strip runs past the edge, and else strips of 8 (7).
 * On lavapipe (bench/kernels.ts, batch 8), strips of 8 at stride 1 ran MobileNetV2's 56 and
 * 112 px layers as fast as strips of 14 or 16 and compiled in half the time (0.4 s against
 * 0.9 s). Whole 14-column rows ran its 14 and 28 px layers 10-20% faster than strips of 8.
 * At stride 2, a strip of 14 took 1.6 s to compile.
 */
export function depthwiseStripWidth(outWidth: number, stride = 1): number {
  const widest = MAX_STRIP[stride - 1]!;
  const narrowest = MIN_STRIP[stride - 1]!;
  if (outWidth <= widest) return outWidth;
  for (let strip = narrowest; strip <= widest; strip++) {
    if (outWidth % strip === 0) return strip;
  }
  return narrowest;
}

/**
 * Returns the strip width, the vector width of the loads and stores, and whether the stores stay
 * scalar (scalarOutput). Strips of 8 or 4 read and write aligned vec4s when every row is a
 * multiple of 4 values and the left padding is at most 1. At stride 1 with pads of 1 that covers
 * a whole row of up to 28 such values. Strips of an even width read and write vec2s on rows of an
 * even width. Lavapipe issues every load and store lane by lane, so fewer, wider ones pay off:
 * vec4s ran MobileNetV2's 28-112 px layers 1.2-1.7× faster than scalar strips, and vec2s its 14 px
 * layers 1.4× faster (bench/kernels.ts, batch 8).
 */
function stripLayout(shape: Conv2dShape, outWidth: number): { strip: number; vector: 1 | 2 | 4; scalarOutput?: boolean } {
  const strip = depthwiseStripWidth(outWidth, shape.strideWidth);
  if (shape.padLeft > 1) return { strip, vector: 1 };

  // A whole row of up to 28 vec4-aligned values per strip: its outer vectors are padding in every
  // row, so only the row's own vectors are loaded (PADDING_VECTORS). On lavapipe at batch 8 that
  // ran MobileNetV2's 28 px layer in 1.05 ms against 1.25 for strips of 4 (bench/kernels.ts). Its
  // pipeline compiles in 0.9 s against 0.2 s, once per machine with Mesa's shader cache.
  if (shape.strideWidth === 1 && shape.padLeft === 1 && shape.inWidth % 4 === 0 && outWidth === shape.inWidth && outWidth <= MAX_WHOLE_ROW) {
    return { strip: outWidth, vector: 4 };
  }
  const vec4Strip = VEC4_STRIPS.find((width) => outWidth % width === 0);
  if (shape.inWidth % 4 === 0 && vec4Strip !== undefined) return { strip: vec4Strip, vector: 4 };
  if (shape.inWidth % 2 === 0 && strip % 2 === 0 && outWidth % strip === 0) return { strip, vector: 2 };
  // A stride-2 strip of an odd width, such as MobileNetV2's 14 and 7 px outputs, starts its input
  // window on an even column without left padding: vec2 loads, scalar stores. That ran its two
  // unfused stride-2 layers 1.14-1.18× faster than scalar loads (bench/kernels.ts, batch 8).
  if (shape.strideWidth === 2 && shape.padLeft === 0 && shape.inWidth % 2 === 0 && outWidth % strip === 0) {
    return { strip, vector: 2, scalarOutput: true };
  }
  return { strip, vector: 1 };
}

/** Creates the depthwise 3×3 convolution with one strip of output columns per invocation, walking down the plane (see fitsDepthwiseStrip). */
export function conv2dDepthwiseStrip(
  shape: Conv2dShape, epilogue: Epilogue, weightPrecision: WeightPrecision = 'f32', target: KernelTarget = {},
): Conv2dKernel {
  if (!fitsDepthwiseStrip(shape)) {
    throw new Error(
      `conv2d ${DEPTHWISE_STRIP_VARIANT}: invalid shape (groups ${shape.groups} of ${shape.inChannels} channels, kernel ` +
        `${shape.kernelHeight}x${shape.kernelWidth}, stride ${shape.strideHeight}x${shape.strideWidth}, dilation ` +
        `${shape.dilationHeight}x${shape.dilationWidth}). It requires a depthwise 3x3 kernel with dilation 1 and equal strides ` +
        'of 1 or 2. Use depthwise-4x for other shapes.',
    );
  }
  const [batch, outChannels, , outWidth] = conv2dOutputShape(shape);
  const stride = shape.strideWidth;
  const { strip, vector, scalarOutput = false } = stripLayout(shape, outWidth);
  const partialStrips = outWidth % strip !== 0;
  const fused = epilogueWgsl(epilogue, 2, { residualVec4: vector === 4 && !scalarOutput });
  // Vector loads start VECTOR_OFFSET columns left of the window, on a multiple of the vector width.
  const window = (strip - 1) * stride + 3;
  const vectorOffset = (vector - shape.padLeft) % vector;
  const strips = ceilDiv(outWidth, strip) * batch * outChannels;
  // Lavapipe runs a workgroup on one CPU thread, 8 lanes at a time, so 8-invocation workgroups
  // spread a small layer over every thread.
  const workgroupSize = target.cpuAdapter === true ? 8 : 64;
  const defines = {
    ...fused.defines,
    ...weightDefines(weightPrecision),
    STRIP: strip,
    STRIDE: stride,
    STRIDE_1: stride === 1,
    STRIDE_2: stride === 2,
    WINDOW: window,
    VECTOR_IO: vector > 1,
    OUTPUT_VECTOR_IO: vector > 1 && !scalarOutput,
    VEC4_IO: vector === 4 && !scalarOutput,
    VECTOR: vector,
    VECTOR_OFFSET: vectorOffset,
    VECTORS: Math.ceil((vectorOffset + window) / vector),
    PARTIAL_STRIPS: partialStrips,
    CHECK_INNER_COLUMNS: partialStrips || shape.padLeft > 1 || shape.padRight > 1,
    // One strip per row whose outer window columns are padding in every row: skipping those two
    // loads ran MobileNetV2's 7 px layer in 0.60 ms instead of 0.68 at batch 8 (bench/kernels.ts).
    // A stride-2 strip with padding on the right only keeps the loads, and so the pipeline of the
    // layers whose rows take two strips.
    PADDING_COLUMNS: vector === 1 && strip === outWidth && shape.padLeft === 1 && window - 2 >= shape.inWidth,
    // The same for the vec4 or vec2 loads of a whole row: its first and last vectors lie in the
    // padding. Whole 14 px rows of vec2s then took 0.61 ms instead of 0.68 (batch 8, 384 channels).
    PADDING_VECTORS: vector > 1 && strip === outWidth && shape.padLeft === 1 &&
      (Math.ceil((vectorOffset + window) / vector) - 1) * vector - vectorOffset - shape.padLeft >= shape.inWidth,
    WORKGROUP_SIZE: workgroupSize,
  };

  return {
    variant: DEPTHWISE_STRIP_VARIANT,
    weightPrecision,
    packWeights: (weights) => encodeWeights(Float32Array.from(weights), weightPrecision),
    program: {
      name: `conv2d-${DEPTHWISE_STRIP_VARIANT}`,
      shaderKey:
        `conv2d-${DEPTHWISE_STRIP_VARIANT}|s${stride}|strip=${strip}|partial=${partialStrips}|checkInner=${defines.CHECK_INNER_COLUMNS}|paddingColumns=${defines.PADDING_COLUMNS}|paddingVectors=${defines.PADDING_VECTORS}|vector=${vector}|scalarOutput=${scalarOutput}|padLeft=${vector > 1 ? shape.padLeft : 'any'}|workgroup=${workgroupSize}|` +
        `${weightKey(weightPrecision)}|${epilogueKey(epilogue)}`,
      code: specializeWgsl([weightPrecisionHeader, paramsSource, fused.source, source].join('\n'), defines),
      dispatch: dispatch1d(ceilDiv(strips, workgroupSize)),
      uniforms: [...conv2dUniforms(shape, strips), ...epilogueUniforms(epilogue)],
      inputCount: 2 + epilogueInputCount(epilogue),
      cost: conv2dCost(shape, weightPrecision),
    },
  };
}
