import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import sharp from 'sharp';

/** Lists the photos in `dir` (bmp, jpg, png), sorted by name. */
export async function listImages(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => /\.(bmp|jpe?g|png)$/i.test(name)).sort();
  return names.map((name) => join(dir, name));
}

/**
 * Decodes an image with sharp, resizes it to `size`×`size` (stretch) and returns the NCHW float
 * tensor x = (pixel - mean) / std for one image, channel order RGB.
 */
export async function imageTensor(path: string, size: number, mean: number, std: number): Promise<Float32Array> {
  const { data } = await (await openImage(path)).removeAlpha().toColorspace('srgb').resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * 3 + c]! - mean) / std;
  }
  return out;
}

/** Decodes an image to RGBA8 at its own size, as `FeatureExtractor.extract` takes it. */
export async function rgbaImage(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await (await openImage(path)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Opens an image with sharp; BMP, which sharp 0.35 cannot read, is decoded here first. */
async function openImage(path: string): Promise<ReturnType<typeof sharp>> {
  if (!path.toLowerCase().endsWith('.bmp')) return sharp(path);
  const { width, height, rgb } = decodeBmp(new Uint8Array(await readFile(path)));
  return sharp(rgb, { raw: { width, height, channels: 3 } });
}

/** Decodes an uncompressed 24- or 32-bit BMP (BI_RGB) to top-down RGB bytes. */
function decodeBmp(file: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint16(0, true) !== 0x4d42) throw new Error('not a BMP file');
  const dataOffset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if ((bitsPerPixel !== 24 && bitsPerPixel !== 32) || (compression !== 0 && compression !== 3)) {
    throw new Error(`unsupported BMP: ${bitsPerPixel} bits per pixel, compression ${compression}`);
  }

  const height = Math.abs(signedHeight);
  const bytesPerPixel = bitsPerPixel / 8;
  const rowBytes = Math.ceil((width * bytesPerPixel) / 4) * 4;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    // Positive heights store rows bottom-up.
    const row = dataOffset + (signedHeight > 0 ? height - 1 - y : y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const source = row + x * bytesPerPixel;
      const target = (y * width + x) * 3;
      rgb[target] = file[source + 2]!;
      rgb[target + 1] = file[source + 1]!;
      rgb[target + 2] = file[source]!;
    }
  }
  return { width, height, rgb };
}
