// Oracle: the pixel values each test image was generated from (solid colours and a
// known gradient), encoded by sharp/libvips or, for BMP, by the writer in this file.
// Lossy formats (JPEG, WebP) get a tolerance of 8 levels, about what libjpeg's
// quality-90 quantization and chroma subsampling change in smooth colour areas.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeImageFile, ImageDecodeError } from '../src/images/decode';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-images-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const WIDTH = 6;
const HEIGHT = 4;
const COLOR = { r: 200, g: 40, b: 90 };

/** Returns a 6×4 RGB image whose red grows with x and green with y, for orientation checks. */
function gradient(): Uint8Array {
  const pixels = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      pixels[i] = x * 40;
      pixels[i + 1] = y * 60;
      pixels[i + 2] = 128;
    }
  }
  return pixels;
}

function solid(channels: 3 | 4 = 3) {
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels, background: channels === 4 ? { ...COLOR, alpha: 0.5 } : COLOR } });
}

function maxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}

/** Expected RGBA8 of a solid image. */
function solidRgba(rgb: number[], alpha = 255): number[] {
  return Array.from({ length: WIDTH * HEIGHT }, () => [...rgb, alpha]).flat();
}

async function write(name: string, bytes: Buffer | Uint8Array): Promise<string> {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

/** Writes a Windows BMP (40-byte header) of RGB pixels, as the format specifies it. */
function encodeBmp(rgb: Uint8Array, width: number, height: number, options: { bits: 24 | 32 | 8; topDown?: boolean }): Uint8Array {
  const palette: number[][] = [];
  const indices: number[] = [];
  if (options.bits === 8) {
    for (let i = 0; i < width * height; i++) {
      const color = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!];
      let index = palette.findIndex((entry) => entry.every((value, c) => value === color[c]));
      if (index < 0) index = palette.push(color) - 1;
      indices.push(index);
    }
  }
  const rowStride = Math.ceil((options.bits * width) / 32) * 4;
  const paletteBytes = palette.length * 4;
  const pixelOffset = 14 + 40 + paletteBytes;
  const out = new Uint8Array(pixelOffset + rowStride * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.byteLength, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, options.topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, options.bits, true);
  view.setUint32(46, palette.length, true);
  palette.forEach((color, i) => out.set([color[2]!, color[1]!, color[0]!, 0], 54 + i * 4));

  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (options.topDown ? y : height - 1 - y) * rowStride;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (options.bits === 8) out[row + x] = indices[i]!;
      else {
        const bytesPerPixel = options.bits / 8;
        out.set([rgb[i * 3 + 2]!, rgb[i * 3 + 1]!, rgb[i * 3]!], row + x * bytesPerPixel);
      }
    }
  }
  return out;
}

function rgbToRgba(rgb: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < rgb.length; i += 3) out.push(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!, 255);
  return out;
}

describe('decodeImageFile', () => {
  const rawGradient = gradient();
  const gradientImage = () => sharp(Buffer.from(rawGradient), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  const cases: Array<{ name: string; make: () => Promise<Buffer>; expected: number[]; tolerance: number }> = [];

  beforeAll(() => {
    const red = [COLOR.r, COLOR.g, COLOR.b];
    cases.push(
      { name: 'baseline.jpg', make: () => solid().jpeg({ quality: 90 }).toBuffer(), expected: solidRgba(red), tolerance: 8 },
      { name: 'progressive.jpg', make: () => solid().jpeg({ quality: 90, progressive: true }).toBuffer(), expected: solidRgba(red), tolerance: 8 },
      { name: 'gray.jpg', make: () => sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 77, g: 77, b: 77 } } }).grayscale().jpeg().toBuffer(), expected: solidRgba([77, 77, 77]), tolerance: 8 },
      { name: 'rgb8.png', make: () => gradientImage().png().toBuffer(), expected: rgbToRgba(rawGradient), tolerance: 0 },
      { name: 'rgb16.png', make: () => gradientImage().toColourspace('rgb16').png().toBuffer(), expected: rgbToRgba(rawGradient), tolerance: 1 },
      { name: 'gray.png', make: () => sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 77, g: 77, b: 77 } } }).grayscale().png().toBuffer(), expected: solidRgba([77, 77, 77]), tolerance: 0 },
      { name: 'palette.png', make: () => solid().png({ palette: true }).toBuffer(), expected: solidRgba(red), tolerance: 0 },
      { name: 'alpha.png', make: () => solid(4).png().toBuffer(), expected: solidRgba(red, 128), tolerance: 1 },
      { name: 'image.gif', make: () => solid().gif().toBuffer(), expected: solidRgba(red), tolerance: 0 },
      { name: 'lossless.webp', make: () => gradientImage().webp({ lossless: true }).toBuffer(), expected: rgbToRgba(rawGradient), tolerance: 0 },
      { name: 'lossy.webp', make: () => solid().webp({ quality: 95 }).toBuffer(), expected: solidRgba(red), tolerance: 8 },
      { name: 'bottom-up-24.bmp', make: async () => Buffer.from(encodeBmp(rawGradient, WIDTH, HEIGHT, { bits: 24 })), expected: rgbToRgba(rawGradient), tolerance: 0 },
      { name: 'top-down-24.bmp', make: async () => Buffer.from(encodeBmp(rawGradient, WIDTH, HEIGHT, { bits: 24, topDown: true })), expected: rgbToRgba(rawGradient), tolerance: 0 },
      { name: 'bottom-up-32.bmp', make: async () => Buffer.from(encodeBmp(rawGradient, WIDTH, HEIGHT, { bits: 32 })), expected: rgbToRgba(rawGradient), tolerance: 0 },
      { name: 'palette-8.bmp', make: async () => Buffer.from(encodeBmp(rawGradient, WIDTH, HEIGHT, { bits: 8 })), expected: rgbToRgba(rawGradient), tolerance: 0 },
    );
  });

  it('decodes every format to sRGB RGBA8', async () => {
    for (const testCase of cases) {
      const path = await write(testCase.name, await testCase.make());
      const image = await decodeImageFile(path);
      expect({ name: testCase.name, width: image.width, height: image.height }).toEqual({ name: testCase.name, width: WIDTH, height: HEIGHT });
      const difference = maxDifference(image.data, testCase.expected);
      expect(difference, `${testCase.name}: max abs difference ${difference} > ${testCase.tolerance}`).toBeLessThanOrEqual(testCase.tolerance);
    }
  });

  it('converts CMYK JPEG to sRGB', async () => {
    // sRGB → CMYK → sRGB through libvips' built-in profiles shifts this saturated colour by about
    // 20 levels. Reading the CMYK channels as RGB would be off by more than 100.
    const path = await write('cmyk.jpg', await solid().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer());
    expect((await sharp(path).metadata()).space).toBe('cmyk');
    const image = await decodeImageFile(path);
    const difference = maxDifference(image.data, solidRgba([COLOR.r, COLOR.g, COLOR.b]));
    expect(difference, `max abs difference ${difference}`).toBeLessThanOrEqual(32);
  });

  it('applies EXIF orientation', async () => {
    // Orientation 6 means "rotate 90° clockwise to display": the stored 6×4 shows as 4×6.
    const path = await write('rotated.png', await gradientImage().withMetadata({ orientation: 6 }).png().toBuffer());
    const image = await decodeImageFile(path);
    expect([image.width, image.height]).toEqual([HEIGHT, WIDTH]);
    // After the rotation, the displayed top-right pixel is the stored top-left (x = 0, y = 0).
    const topRight = (0 * image.width + (image.width - 1)) * 4;
    expect(Array.from(image.data.subarray(topRight, topRight + 4))).toEqual([0, 0, 128, 255]);
  });

  it('rejects empty, corrupt and unsupported files', async () => {
    const empty = await write('empty.jpg', new Uint8Array());
    const corrupt = await write('corrupt.jpg', new TextEncoder().encode('this is not a JPEG'));
    const truncated = await write('truncated.png', (await gradientImage().png().toBuffer()).subarray(0, 30));
    const rle = encodeBmp(rawGradient, WIDTH, HEIGHT, { bits: 24 });
    new DataView(rle.buffer).setUint32(30, 1, true);
    const rleBmp = await write('rle.bmp', rle);

    await expect(decodeImageFile(empty)).rejects.toThrow(/empty\.jpg: file is empty/);
    await expect(decodeImageFile(corrupt)).rejects.toThrow(/corrupt\.jpg: unsupported or corrupt image/);
    await expect(decodeImageFile(truncated)).rejects.toThrow(ImageDecodeError);
    await expect(decodeImageFile(rleBmp)).rejects.toThrow(/rle\.bmp: invalid BMP: BMP compression 1/);
    await expect(decodeImageFile(join(folder, 'missing.png'))).rejects.toThrow(/missing\.png: cannot read file \(ENOENT\)/);
  });

  it('reports a truncated JPEG in one line', async () => {
    // libvips reports a JPEG cut inside its header with the same lines several times over.
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toBuffer();
    const truncated = await write('truncated.jpg', jpeg.subarray(0, 100));
    const message = await decodeImageFile(truncated).then(
      () => 'decoded',
      (error: Error) => error.message,
    );
    expect(message).toMatch(/truncated\.jpg: unsupported or corrupt image \(.*VipsJpeg: premature end of JPEG image/);
    expect(message).not.toContain('\n');
    expect(message.match(/premature end of JPEG image/g)).toHaveLength(1);
  });

  it('rejects images over the pixel limit before decoding', async () => {
    const png = await write('big.png', await gradientImage().png().toBuffer());
    const bmp = await write('big.bmp', encodeBmp(rawGradient, WIDTH, HEIGHT, { bits: 24 }));
    await expect(decodeImageFile(png, 20)).rejects.toThrow(/big\.png: image is 6×4 = 24 pixels, over the limit of 20; downscale it first/);
    await expect(decodeImageFile(bmp, 20)).rejects.toThrow(/big\.bmp: image is 6×4 = 24 pixels/);
  });

  it('decodes the real BMP photos', async () => {
    const shared = process.env.OFFSHELF_SHARED!;
    const image = await decodeImageFile(join(shared, 'images/open-images/cat.bmp'));
    expect([image.width, image.height]).toEqual([512, 341]);
    expect(image.data.length).toBe(512 * 341 * 4);
  });
});
