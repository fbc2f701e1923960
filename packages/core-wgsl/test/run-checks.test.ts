import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  PLAIN_EPILOGUE,
  pool2dProgram,
  runConv2d,
  runGemm,
  runProgram,
  selectConv2d,
  selectGemm,
  softmaxProgram,
  type Conv2dShape,
  type Epilogue,
  type GemmShape,
} from '../src/index';

// The one-call helpers check every operand against the shape before anything runs on the GPU,
// so a wrong length is an error that names the operand, never a silently wrong result.

const conv: Conv2dShape = {
  batch: 1, inChannels: 5, inHeight: 7, inWidth: 7, outChannels: 7, kernelHeight: 3, kernelWidth: 3,
  strideHeight: 2, strideWidth: 2, dilationHeight: 1, dilationWidth: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 2, groups: 1,
};
const withBias: Epilogue = { ...PLAIN_EPILOGUE, bias: true };
const gemm: GemmShape = { batch: 1, M: 3, N: 4, K: 5, transposeA: false, transposeB: true, alpha: 1, broadcastB: false };

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

describe('runConv2d operand checks', () => {
  const kernel = selectConv2d(conv, withBias, { variant: 'direct' });
  const input = new Float32Array(5 * 7 * 7);
  const weights = kernel.packWeights(new Float32Array(7 * 5 * 9));
  const bias = new Float32Array(7);

  it('rejects a short input', async () => {
    await expect(runConv2d(gpu.device, conv, kernel, withBias, { input: input.subarray(0, 100), weights, bias }))
      .rejects.toThrow('conv2d direct: input has 100 values, expected 245 (NCHW 1x5x7x7)');
  });

  it('rejects weights of wrong length', async () => {
    await expect(runConv2d(gpu.device, conv, kernel, withBias, { input, weights: new Float32Array(7 * 4 * 9), bias }))
      .rejects.toThrow('weights has 252 values, expected 315 (pass kernel.packWeights(weights), with weights OIHW 7x5x3x3)');
  });

  it('rejects a missing bias', async () => {
    await expect(runConv2d(gpu.device, conv, kernel, withBias, { input, weights })).rejects.toThrow('missing bias');
  });

  it('rejects a bias the epilogue ignores', async () => {
    const plain = selectConv2d(conv, PLAIN_EPILOGUE, { variant: 'direct' });
    await expect(runConv2d(gpu.device, conv, plain, PLAIN_EPILOGUE, { input, weights: plain.packWeights(new Float32Array(315)), bias }))
      .rejects.toThrow('Set epilogue.bias to true');
  });
});

describe('runProgram and multi-pass variants', () => {
  it('rejects one pass of Winograd', async () => {
    const strideOne: Conv2dShape = { ...conv, strideHeight: 1, strideWidth: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 };
    const winograd = selectConv2d(strideOne, PLAIN_EPILOGUE, { variant: 'winograd-2x2-3x3' });
    await expect(runProgram(gpu.device, winograd.program, [new Float32Array(16)], 16))
      .rejects.toThrow("is one pass of the multi-pass conv2d variant 'winograd-2x2-3x3'");
  });
});

describe('variant names', () => {
  it('names an unknown conv2d variant as unknown', () => {
    expect(() => selectConv2d(conv, PLAIN_EPILOGUE, { variant: 'winograd' })).toThrow("conv2d: unknown variant 'winograd'. Variants: ");
  });

  it('names an unknown gemm variant as unknown', () => {
    expect(() => selectGemm(gemm, PLAIN_EPILOGUE, { variant: 'tiled' })).toThrow("gemm: unknown variant 'tiled'. Variants: ");
  });
});

describe('runGemm operand checks', () => {
  const kernel = selectGemm(gemm, PLAIN_EPILOGUE, { variant: 'naive' });

  it('rejects a short B', async () => {
    await expect(runGemm(gpu.device, gemm, kernel, PLAIN_EPILOGUE, { a: new Float32Array(15), b: new Float32Array(12) }))
      .rejects.toThrow('gemm naive: b has 12 values, expected 20 (pass kernel.packB(b), with b 1x4x5)');
  });

  it('computes a transposed product', async () => {
    const a = Float32Array.from({ length: 15 }, (_, i) => i - 7);
    const b = Float32Array.from({ length: 20 }, (_, i) => (i % 3) - 1);
    const output = await runGemm(gpu.device, gemm, kernel, PLAIN_EPILOGUE, { a, b: kernel.packB(b) });

    // Oracle: the definition Y[m][n] = sum over k of A[m][k] · B[n][k], as B is stored transposed.
    const expected = new Float32Array(12);
    for (let m = 0; m < 3; m++) {
      for (let n = 0; n < 4; n++) {
        for (let k = 0; k < 5; k++) expected[m * 4 + n] += a[m * 5 + k]! * b[n * 5 + k]!;
      }
    }
    expect(Array.from(output)).toEqual(Array.from(expected));
  });
});

describe('kernels made for another shape or epilogue', () => {
  it('rejects a convolution shape the kernel was not made for', async () => {
    const small = { ...conv, inHeight: 4, inWidth: 4 };
    const kernel = selectConv2d(small, withBias, { variant: 'direct' });
    const operands = { input: new Float32Array(5 * 7 * 7), weights: kernel.packWeights(new Float32Array(7 * 5 * 9)), bias: new Float32Array(7) };
    await expect(runConv2d(gpu.device, conv, kernel, withBias, operands)).rejects.toThrow(
      'conv2d direct: the kernel was made for inHeight 4, inWidth 4, but the shape passed has inHeight 7, inWidth 7; make one for this shape with selectConv2d.',
    );
  });

  it('rejects a GEMM epilogue the kernel was not made for', async () => {
    const kernel = selectGemm(gemm, PLAIN_EPILOGUE, { variant: 'naive' });
    const operands = { a: new Float32Array(15), b: kernel.packB(new Float32Array(20)), bias: new Float32Array(4) };
    await expect(runGemm(gpu.device, gemm, kernel, withBias, operands)).rejects.toThrow('gemm naive: the kernel was made for the epilogue');
  });

  it('names an unknown activation', () => {
    const swish = { ...PLAIN_EPILOGUE, activation: { kind: 'swish' } } as unknown as Epilogue;
    expect(() => selectConv2d(conv, swish)).toThrow('activation "swish" is unknown; use one of none, relu, leakyRelu, clip,');
    const clip = { ...PLAIN_EPILOGUE, activation: { kind: 'clip', min: 0, max: Number.NaN } } as Epilogue;
    expect(() => selectGemm(gemm, clip)).toThrow('activation clip: max is null, expected a number.');
  });
});

describe('runProgram operand lengths', () => {
  it('rejects an input of another length', async () => {
    await expect(runProgram(gpu.device, softmaxProgram({ shape: [2, 3] }), [new Float32Array(2)], 6)).rejects.toThrow(
      'softmax: input 0 has 2 4-byte values (8 bytes), expected 6 for the shape the program was built for.',
    );
  });

  it('rejects an output too short for the program', async () => {
    const pool = pool2dProgram({ mode: 'max', inputShape: [1, 1, 4, 4], kernelShape: [2, 2], strides: [2, 2] });
    await expect(runProgram(gpu.device, pool, [new Float32Array(16)], 2)).rejects.toThrow(
      'pool2d-max: the output has room for 2 values, but the program writes 4; pass an outputLength of at least 4.',
    );
  });

  it('rejects pool pads as large as the kernel and empty inputs', () => {
    expect(() => pool2dProgram({ mode: 'max', inputShape: [1, 1, 4, 4], kernelShape: [2, 2], pads: [2, 2, 2, 2] })).toThrow(
      'pool2d-max: pads [2, 2, 2, 2] must each be smaller than the 2 x 2 kernel along their axis.',
    );
    expect(() => pool2dProgram({ mode: 'average', inputShape: [1, 1, -4, 4], kernelShape: [2, 2] })).toThrow(
      'pool2d-average: input shape [1, 1, -4, 4] must be NCHW with positive integer sizes.',
    );
  });
});
