import { readFileSync } from 'node:fs';

/**
 * Reads an uncompressed 24- or 32-bit BMP as RGBA8 pixels (alpha 255), top row first.
 * Enough for the test photos in the shared image folder, which are written that way.
 */
export function readBmp(path: string): { width: number; height: number; pixels: Uint8Array } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new Error(`${path} is not a BMP file (missing "BM" signature).`);

  const dataOffset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if ((bitsPerPixel !== 24 && bitsPerPixel !== 32) || (compression !== 0 && compression !== 3)) {
    throw new Error(`${path}: ${bitsPerPixel}-bit BMP with compression ${compression} is not supported. Only uncompressed 24- or 32-bit BMP is.`);
  }

  const height = Math.abs(signedHeight);
  const bytesPerPixel = bitsPerPixel / 8;
  const rowStride = Math.ceil((width * bytesPerPixel) / 4) * 4;
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    // Positive heights store the bottom row first.
    const sourceRow = signedHeight > 0 ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      const source = dataOffset + sourceRow * rowStride + x * bytesPerPixel;
      const target = (y * width + x) * 4;
      pixels[target] = bytes[source + 2]!;
      pixels[target + 1] = bytes[source + 1]!;
      pixels[target + 2] = bytes[source]!;
      pixels[target + 3] = 255;
    }
  }
  return { width, height, pixels };
}
