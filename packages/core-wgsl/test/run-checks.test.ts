import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  PLAIN_EPILOGUE,
  runConv2d,
  runGemm,
  runProgram,
  selectConv2d,
  selectGemm,
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
