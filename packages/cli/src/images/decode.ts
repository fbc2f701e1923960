/**
 * Image decoding to sRGB RGBA8: JPEG (baseline, progressive, CMYK, grayscale),
 * PNG (8/16-bit, gray, palette, alpha), GIF (first frame), WebP and TIFF through
 * sharp, with EXIF orientation applied; BMP through our own decoder.
 */
import { readFile, stat } from 'node:fs/promises';

import type { RgbaImage } from '@offshelf/backbone';
import sharp, { type Metadata } from 'sharp';

import { decodeBmp, isBmp, readBmpSize } from './bmp';

/** The image formats the decoders read, for messages about files they cannot. */
export const READABLE_IMAGE_FORMATS = 'JPEG, PNG, GIF, WebP, TIFF or BMP';

/** Largest accepted image, in pixels (about 100 megapixels, e.g. 10000 × 10000). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** An image file that cannot be used: empty, corrupt, unsupported or too large. */
export class ImageDecodeError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}

function checkPixelCount(path: string, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      path,
      `image is ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels}; downscale it first`,
    );
  }
}

/**
 * Returns a decoder error as one line: libvips repeats its messages (a truncated JPEG
 * lists "VipsJpeg: premature end of JPEG image" several times), so each distinct line is kept once, joined by '; '.
 */
function decoderMessage(error: unknown): string {
  const kept: string[] = [];
  for (const line of (error as Error).message.split('\n').map((text) => text.trim())) {
    // sharp prefixes the first line ("Input buffer has corrupt header: VipsJpeg: ..."), so a repeat is a suffix.
    if (line !== '' && !kept.some((previous) => previous.endsWith(line))) kept.push(line);
  }
  return kept.join('; ');
}

/**
 * Runs one sharp step, once more where it failed with no reason. libvips keeps its error text per
 * thread, so with several images decoding at once a failure sometimes reads only "Unknown error".
 */
async function withDecoderReason<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!/^(Unknown error)?$/.test(decoderMessage(error))) throw error;
    return step();
  }
}

/** Builds the error for a file that sharp cannot decode, with the decoder's message and the fix. */
function unreadableImage(path: string, error: unknown): ImageDecodeError {
  return new ImageDecodeError(
    path,
    `unsupported or corrupt image (${decoderMessage(error)}); offshelf reads ${READABLE_IMAGE_FORMATS} files: replace this one with an intact file in one of them, or remove it`,
  );
}

/** Decodes image bytes; `path` names the file in errors. Checks the size from the header before decoding. */
export async function decodeImageBytes(bytes: Uint8Array, path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbaImage> {
  if (bytes.byteLength === 0) throw new ImageDecodeError(path, 'file is empty');

  if (isBmp(bytes)) {
    try {
      const { width, height } = readBmpSize(bytes);
      checkPixelCount(path, width, height, maxPixels);
      return decodeBmp(bytes);
    } catch (error) {
      if (error instanceof ImageDecodeError) throw error;
      throw new ImageDecodeError(path, `invalid BMP: ${(error as Error).message}`);
    }
  }

  let metadata: Metadata;
  try {
    metadata = await withDecoderReason(() => sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw unreadableImage(path, error);
  }
  checkPixelCount(path, metadata.width ?? 0, metadata.height ?? 0, maxPixels);

  try {
    // failOn 'error' decodes slightly damaged files (warnings) the way most image loaders do.
    const { data, info } = await withDecoderReason(() =>
      sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 })
        .rotate()
        .toColourspace('srgb')
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    );
    if (info.channels !== 4) throw new Error(`decoder returned ${info.channels} channels instead of 4`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw unreadableImage(path, error);
  }
}

/** Reads an image file's bytes, rejecting what is not a regular file: reading a FIFO would wait for a writer forever. */
export async function readImageBytes(path: string): Promise<Uint8Array> {
  try {
    if (!(await stat(path)).isFile()) throw new ImageDecodeError(path, 'not a regular file (a FIFO, socket or device)');
    return await readFile(path);
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    throw new ImageDecodeError(path, `cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Reads and decodes one image file. */
export async function decodeImageFile(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbaImage> {
  return decodeImageBytes(await readImageBytes(path), path, maxPixels);
}
