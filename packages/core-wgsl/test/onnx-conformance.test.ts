import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  batchNormalizationProgram,
  binaryProgram,
  concatPrograms,
  globalPoolProgram,
  padProgram,
  pool2dProgram,
  reduceMeanProgram,
  runProgram,
  softmaxProgram,
  transposeProgram,
  type BinaryOperator,
  type KernelProgram,
  type PadMode,
} from '../src/index';
import { hasOnnxTestdata, loadConformanceCase, type ConformanceCase } from './reference/onnx-testdata';
import { describeErrors } from './reference/random';

// Oracle: the ONNX operator conformance data (Debian package libonnx-testdata), whose expected
// outputs come from the ONNX reference implementation.
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

type Attribute = number | number[] | string | undefined;
const ints = (value: Attribute): number[] | undefined => (Array.isArray(value) ? value : undefined);
const float32 = (data: Float32Array | number[]): Float32Array => (data instanceof Float32Array ? data : Float32Array.from(data));

/** Builds the program (or, for Concat, programs run one after another) for a conformance case. */
function programsFor(testCase: ConformanceCase): KernelProgram[] {
  const { opType, attributes, inputs } = testCase;
  const attribute = (name: string) => attributes.get(name);
  const shape = inputs[0]!.dims;

  switch (opType) {
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = ints(attribute('kernel_shape'))!;
      return [
        pool2dProgram({
          mode: opType === 'MaxPool' ? 'max' : 'average',
          inputShape: shape as [number, number, number, number],
          kernelShape: kernel as [number, number],
          strides: ints(attribute('strides')) as [number, number] | undefined,
          pads: ints(attribute('pads')) as [number, number, number, number] | undefined,
          dilations: ints(attribute('dilations')) as [number, number] | undefined,
          ceilMode: attribute('ceil_mode') === 1,
          countIncludePad: attribute('count_include_pad') === 1,
        }),
      ];
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return [globalPoolProgram({ inputShape: shape, mode: opType === 'GlobalMaxPool' ? 'max' : 'average' })];
    case 'BatchNormalization':
      return [batchNormalizationProgram({ inputShape: shape, epsilon: (attribute('epsilon') as number | undefined) ?? 1e-5 })];
    case 'Softmax':
      return [softmaxProgram({ shape, axis: attribute('axis') as number | undefined })];
    case 'ReduceMean':
      return [reduceMeanProgram({ inputShape: shape, axes: ints(attribute('axes')) ?? (inputs[1]?.data as number[] | undefined), keepdims: attribute('keepdims') !== 0 })];
    case 'Transpose':
      return [transposeProgram({ inputShape: shape, perm: ints(attribute('perm')) })];
    case 'Pad': {
      const constant = inputs[2] ? inputs[2].data[0]! : 0;
      return [padProgram({ inputShape: shape, pads: inputs[1]!.data as number[], mode: ((attribute('mode') as string | undefined) ?? 'constant') as PadMode, value: constant })];
    }
    case 'Concat':
      return concatPrograms(
        inputs.map((input) => input.dims),
        attribute('axis') as number,
      ).programs;
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return [binaryProgram({ operator: opType.toLowerCase() as BinaryOperator, aShape: shape, bShape: inputs[1]!.dims })];
    default:
      throw new Error(`No kernel for conformance op ${opType}.`);
  }
}

/** Returns the inputs each program reads. Pads, axes and fill constants become parameters, not inputs. */
function programInputs(testCase: ConformanceCase): Float32Array[][] {
  const data = testCase.inputs.map((input) => float32(input.data));
  switch (testCase.opType) {
    case 'Concat':
      return data.map((input) => [input]);
    case 'BatchNormalization':
      return [data];
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return [data.slice(0, 2)];
    default:
      return [data.slice(0, 1)];
  }
}

const names = [
  'test_maxpool_2d_default',
  'test_maxpool_2d_ceil',
  'test_maxpool_2d_dilations',
  'test_maxpool_2d_pads',
  'test_maxpool_2d_precomputed_pads',
  'test_maxpool_2d_precomputed_strides',
  'test_maxpool_2d_strides',
  'test_averagepool_2d_default',
  'test_averagepool_2d_ceil',
  'test_averagepool_2d_pads',
  'test_averagepool_2d_pads_count_include_pad',
  'test_averagepool_2d_precomputed_pads',
  'test_averagepool_2d_precomputed_pads_count_include_pad',
  'test_averagepool_2d_precomputed_strides',
  'test_averagepool_2d_strides',
  'test_globalaveragepool',
  'test_globalaveragepool_precomputed',
  'test_globalmaxpool',
  'test_globalmaxpool_precomputed',
  'test_batchnorm_epsilon',
  'test_batchnorm_example',
  'test_softmax_axis_0',
  'test_softmax_axis_1',
  'test_softmax_axis_2',
  'test_softmax_default_axis',
  'test_softmax_example',
  'test_softmax_large_number',
  'test_softmax_negative_axis',
  'test_reduce_mean_default_axes_keepdims_random',
  'test_reduce_mean_do_not_keepdims_random',
  'test_reduce_mean_keepdims_random',
  'test_reduce_mean_negative_axes_keepdims_random',
  'test_transpose_default',
  ...[0, 1, 2, 3, 4, 5].map((i) => `test_transpose_all_permutations_${i}`),
  'test_constant_pad',
  'test_edge_pad',
  'test_reflect_pad',
  'test_concat_1d_axis_0',
  'test_concat_2d_axis_1',
  'test_concat_3d_axis_0',
  'test_concat_3d_axis_1',
  'test_concat_3d_axis_2',
  'test_concat_3d_axis_negative_2',
  'test_add',
  'test_add_bcast',
  'test_sub_bcast',
  'test_mul_bcast',
  'test_div_bcast',
];

describe.skipIf(!hasOnnxTestdata())('ONNX conformance data', () => {
  it.each(names)('%s', async (name) => {
    const testCase = loadConformanceCase(name);
    const expected = float32(testCase.outputs[0]!.data);
    const programs = programsFor(testCase);
    const inputs = programInputs(testCase);

    // Concat writes one slice per program into a shared output, so the programs run in turn on the same data.
    let output: Float32Array = new Float32Array(expected.length).fill(Number.NaN);
    for (const [i, program] of programs.entries()) {
      output = await runProgram(gpu.device, program, inputs[i]!, expected.length, programs.length > 1 ? output : undefined);
    }

    // The expected data is float32 and the kernels round a few times per element (sums of at
    // most 28 x 28 terms for the global pools): 1e-5 relative plus 1e-6 absolute covers that.
    const message = `${name}: ${describeErrors(output, expected, testCase.opType)}`;
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(1e-5 * Math.abs(expected[i]!) + 1e-6);
    }
  });
});
