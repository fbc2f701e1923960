import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { centerCrop, preprocessImageProgram, runProgram, type PreprocessImageParams } from '../src/index';
import { readBmp } from './reference/bmp';
import { referencePreprocess } from './reference/preprocess';
import { describeErrors, randomGenerator } from './reference/random';

// Oracle: a float64 JavaScript implementation of the documented formulas (half-pixel centres,
// two-tap bilinear or an exhaustive triangle-filter scan, then (pixel / 255 - mean) / std).
let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

function randomImage(seed: number, width: number, height: number): Uint8Array {
  const random = randomGenerator(seed);
  return Uint8Array.from({ length: width * height * 4 }, () => Math.floor(random() * 256));
}

/** Runs the kernel on one image written into slot `batchIndex` of a batch of `batchSize`, returning the whole batch. */
async function preprocess(pixels: Uint8Array, params: PreprocessImageParams, batchSize: number, initial?: Float32Array): Promise<Float32Array> {
  const packed = new Float32Array(pixels.buffer, pixels.byteOffset, pixels.byteLength / 4);
  const length = batchSize * 3 * params.outputWidth * params.outputHeight;
  return runProgram(gpu.device, preprocessImageProgram(params), [packed], length, initial ?? new Float32Array(length).fill(-99));
}

interface Case {
  label: string;
  width: number;
  height: number;
  params: Omit<PreprocessImageParams, 'sourceWidth' | 'sourceHeight' | 'batchIndex'>;
}

const cases: Case[] = [
  { label: 'shrink 3.4x, antialiased', width: 37, height: 29, params: { outputWidth: 11, outputHeight: 8 } },
  { label: 'shrink 3.4x, plain bilinear', width: 37, height: 29, params: { outputWidth: 11, outputHeight: 8, antialias: false } },
  { label: 'enlarge 2.3x', width: 7, height: 5, params: { outputWidth: 16, outputHeight: 13 } },
  { label: 'enlarge without antialias', width: 7, height: 5, params: { outputWidth: 16, outputHeight: 13, antialias: false } },
  { label: 'shrink one axis, enlarge the other', width: 40, height: 6, params: { outputWidth: 9, outputHeight: 14 } },
  { label: 'integer center crop, BGR', width: 30, height: 20, params: { outputWidth: 8, outputHeight: 8, crop: { x: 5, y: 0, width: 20, height: 20 }, channelOrder: 'bgr' } },
  { label: 'fractional crop, ImageNet normalization', width: 33, height: 21, params: { outputWidth: 9, outputHeight: 7, crop: { x: 3.25, y: 2.5, width: 21.5, height: 15.75 }, mean: IMAGENET_MEAN, std: IMAGENET_STD } },
  { label: 'fractional crop without antialias', width: 33, height: 21, params: { outputWidth: 9, outputHeight: 7, crop: { x: 3.25, y: 2.5, width: 21.5, height: 15.75 }, antialias: false } },
  { label: '1x1 output', width: 9, height: 7, params: { outputWidth: 1, outputHeight: 1 } },
  { label: '1x1 source', width: 1, height: 1, params: { outputWidth: 5, outputHeight: 3 } },
];

describe('image preprocessing kernel', () => {
  it.each(cases.map((c) => [c.label, c] as const))('%s matches float64 reference', async (_, testCase) => {
    const pixels = randomImage(testCase.width * 100 + testCase.height, testCase.width, testCase.height);
    const params: PreprocessImageParams = { ...testCase.params, sourceWidth: testCase.width, sourceHeight: testCase.height, batchIndex: 0 };
    const output = await preprocess(pixels, params, 1);

    const expected = referencePreprocess(
      pixels,
      testCase.width,
      {
        crop: params.crop ?? { x: 0, y: 0, width: testCase.width, height: testCase.height },
        outputWidth: params.outputWidth,
        outputHeight: params.outputHeight,
        mean: params.mean ?? [0, 0, 0],
        std: params.std ?? [1, 1, 1],
        bgr: params.channelOrder === 'bgr',
      },
      params.antialias ?? true,
    );

    // Float32 weights and sums of at most a few hundred taps of values up to 255: relative
    // error about 1e-6 of 255 before normalization, so 1e-4 after dividing by std >= 0.2.
    const message = describeErrors(output, expected, testCase.label);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(output[i]! - expected[i]!), message).toBeLessThanOrEqual(1e-4);
  });

  it('identity resize reproduces normalized pixels', async () => {
    const width = 13;
    const height = 6;
    const pixels = randomImage(5, width, height);
    const params: PreprocessImageParams = { sourceWidth: width, sourceHeight: height, outputWidth: width, outputHeight: height, batchIndex: 0, mean: IMAGENET_MEAN, std: IMAGENET_STD };
    const output = await preprocess(pixels, params, 1);

    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < width * height; i++) {
        const expected = (pixels[i * 4 + c]! / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        // The filter has exactly one tap of weight 1, so only the float32 rounding of
        // pixel * (1 / (255 std)) - mean / std remains: 2 ulp of values up to 2.7.
        expect(Math.abs(output[c * width * height + i]! - expected), `channel ${c}, pixel ${i}`).toBeLessThanOrEqual(2 * 2 ** -23 * 4);
      }
    }
  });

  it('identity crop reproduces the cropped pixels', async () => {
    const pixels = randomImage(6, 10, 8);
    const crop = { x: 3, y: 2, width: 4, height: 5 };
    const output = await preprocess(pixels, { sourceWidth: 10, sourceHeight: 8, outputWidth: 4, outputHeight: 5, crop, batchIndex: 0 }, 1);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 4; x++) {
        const red = pixels[((y + 2) * 10 + x + 3) * 4]! / 255;
        expect(Math.abs(output[y * 4 + x]! - red), `pixel (${x}, ${y})`).toBeLessThanOrEqual(2 ** -23);
      }
    }
  });

  it('writes only its batch slot', async () => {
    const pixels = randomImage(7, 6, 6);
    const params: PreprocessImageParams = { sourceWidth: 6, sourceHeight: 6, outputWidth: 3, outputHeight: 3, batchIndex: 2 };
    const output = await preprocess(pixels, params, 4);
    const slot = 3 * 3 * 3;
    for (let i = 0; i < output.length; i++) {
      const inside = i >= 2 * slot && i < 3 * slot;
      if (inside) expect(output[i], `index ${i}`).not.toBe(-99);
      else expect(output[i], `index ${i}`).toBe(-99);
    }
  });

  it('center crop keeps the output aspect ratio', () => {
    expect(centerCrop(640, 480, 224, 224)).toEqual({ x: 80, y: 0, width: 480, height: 480 });
    expect(centerCrop(300, 400, 224, 224, 0.875)).toEqual({ x: 18.75, y: 68.75, width: 262.5, height: 262.5 });
  });

  it('rejects a crop outside the image', () => {
    const params = { sourceWidth: 10, sourceHeight: 10, outputWidth: 4, outputHeight: 4, batchIndex: 0, crop: { x: 8, y: 0, width: 4, height: 4 } };
    expect(() => preprocessImageProgram(params)).toThrow(/extends outside/);
  });
});

const catPath = join(process.env.OFFSHELF_SHARED ?? '../shared', 'images/open-images/cat.bmp');

describe.skipIf(!existsSync(catPath))('image preprocessing on a photo', () => {
  it('center crop to 224 matches float64 reference', async () => {
    const { width, height, pixels } = readBmp(catPath);
    const crop = centerCrop(width, height, 224, 224, 0.875);
    const params: PreprocessImageParams = {
      sourceWidth: width,
      sourceHeight: height,
      crop,
      outputWidth: 224,
      outputHeight: 224,
      batchIndex: 1,
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
    };
    const batch = await preprocess(pixels, params, 2);
    const output = batch.subarray(3 * 224 * 224);
    const expected = referencePreprocess(pixels, width, { crop, outputWidth: 224, outputHeight: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD, bgr: false }, true);

    // The 512 x 341 photo shrinks by 1.33, so each output pixel sums at most 3 x 3 nonzero float32 taps
    // of values up to 255: well under 1e-4 after dividing by std >= 0.224.
    const message = describeErrors(output, expected, 'cat.bmp');
    let maxError = 0;
    for (let i = 0; i < expected.length; i++) maxError = Math.max(maxError, Math.abs(output[i]! - expected[i]!));
    expect(maxError, message).toBeLessThanOrEqual(1e-4);
  });
});
