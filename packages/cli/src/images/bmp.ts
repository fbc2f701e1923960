/**
 * A Windows BMP decoder, because libvips (and so sharp 0.35) does not read BMP.
 * Supports uncompressed 24- and 32-bit pixels, 32-bit BI_BITFIELDS masks, 8-, 4-
 * and 1-bit palettes, bottom-up (positive height) and top-down (negative height)
 * row order. RLE-compressed and 16-bit files are rejected with a message.
 */
import type { RgbaImage } from '@offshelf/backbone';

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** Returns true when the bytes start with the `BM` signature. */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

export interface BmpSize {
  width: number;
  height: number;
}

/** Reads width and height from the headers without decoding pixels. */
export function readBmpSize(bytes: Uint8Array): BmpSize {
  if (bytes.byteLength < 26) throw new Error('BMP header is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dibSize = view.getUint32(14, true);
  if (dibSize === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
  return { width: view.getInt32(18, true), height: Math.abs(view.getInt32(22, true)) };
}

/** Returns the shift and bit width of a channel mask such as 0x00ff0000. */
function maskShape(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

function scaleTo8Bits(value: number, bits: number): number {
  return bits === 8 ? value : Math.round((value * 255) / ((1 << bits) - 1));
}

/** Decodes a BMP file into RGBA8 pixels, top row first. */
export function decodeBmp(bytes: Uint8Array): RgbaImage {
  if (!isBmp(bytes) || bytes.byteLength < 54) throw new Error('not a BMP file or header truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const pixelOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  if (dibSize < 40) throw new Error(`BMP core header (${dibSize} bytes) is not supported; resave the image as a Windows BMP or PNG`);
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  let paletteSize = view.getUint32(46, true);

  const height = Math.abs(signedHeight);
  const topDown = signedHeight < 0;
  if (width <= 0 || height === 0) throw new Error(`invalid BMP size ${width}×${signedHeight}`);

  const usesMasks = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (!(compression === BI_RGB || (usesMasks && bitsPerPixel === 32))) {
    throw new Error(`BMP compression ${compression} with ${bitsPerPixel} bits per pixel is not supported; resave the image as PNG`);
  }
  if (![1, 4, 8, 24, 32].includes(bitsPerPixel)) {
    throw new Error(`BMP with ${bitsPerPixel} bits per pixel is not supported; resave the image as PNG`);
  }

  // Masks follow a 40-byte header (BI_BITFIELDS) or live inside a V4/V5 header.
  let masks = { red: 0x00ff0000, green: 0x0000ff00, blue: 0x000000ff, alpha: 0 };
  if (usesMasks) {
    masks = {
      red: view.getUint32(54, true),
      green: view.getUint32(58, true),
      blue: view.getUint32(62, true),
      alpha: dibSize >= 56 || compression === BI_ALPHABITFIELDS ? view.getUint32(66, true) : 0,
    };
  }

  const palette: number[][] = [];
  if (bitsPerPixel <= 8) {
    if (paletteSize === 0) paletteSize = 1 << bitsPerPixel;
    const paletteStart = 14 + dibSize;
    for (let i = 0; i < paletteSize; i++) {
      const entry = paletteStart + i * 4;
      palette.push([bytes[entry + 2]!, bytes[entry + 1]!, bytes[entry]!]);
    }
  }

  // Rows are padded to a multiple of 4 bytes.
  const rowStride = Math.ceil((bitsPerPixel * width) / 32) * 4;
  if (pixelOffset + rowStride * height > bytes.byteLength) throw new Error('BMP pixel data is truncated');

  const data = new Uint8Array(width * height * 4);
  const channelMasks = [masks.red, masks.green, masks.blue, masks.alpha].map(maskShape);
  let anyAlpha = false;

  for (let y = 0; y < height; y++) {
    const sourceRow = pixelOffset + (topDown ? y : height - 1 - y) * rowStride;
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * 4;

      if (bitsPerPixel <= 8) {
        const bitIndex = x * bitsPerPixel;
        const byte = bytes[sourceRow + (bitIndex >> 3)]!;
        const index = (byte >> (8 - bitsPerPixel - (bitIndex & 7))) & ((1 << bitsPerPixel) - 1);
        const color = palette[index];
        if (!color) throw new Error(`BMP palette index ${index} is outside the ${palette.length}-entry palette`);
        data[out] = color[0]!;
        data[out + 1] = color[1]!;
        data[out + 2] = color[2]!;
        data[out + 3] = 255;
      } else if (bitsPerPixel === 24) {
        const source = sourceRow + x * 3;
        data[out] = bytes[source + 2]!;
        data[out + 1] = bytes[source + 1]!;
        data[out + 2] = bytes[source]!;
        data[out + 3] = 255;
      } else {
        const pixel = view.getUint32(sourceRow + x * 4, true);
        for (let channel = 0; channel < 3; channel++) {
          const { shift, bits } = channelMasks[channel]!;
          data[out + channel] = bits === 0 ? 0 : scaleTo8Bits((pixel >>> shift) & ((1 << bits) - 1), bits);
        }
        // Plain 32-bit BI_RGB stores an unused fourth byte; treat it as alpha only if some pixel sets it.
        const alpha = usesMasks ? channelMasks[3]! : { shift: 24, bits: 8 };
        data[out + 3] = alpha.bits === 0 ? 255 : scaleTo8Bits((pixel >>> alpha.shift) & ((1 << alpha.bits) - 1), alpha.bits);
        if (data[out + 3] !== 0) anyAlpha = true;
      }
    }
  }

  if (bitsPerPixel === 32 && !anyAlpha) {
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
  }

  return { width, height, data };
}
