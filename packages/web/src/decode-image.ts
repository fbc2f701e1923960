import type { RgbaImage } from '@offshelf/backbone';

/** Largest accepted image, in pixels, as the CLI allows (about 100 megapixels). */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** An image file the browser cannot decode, or one that is too large. */
export class ImageDecodeError extends Error {
  constructor(
    readonly fileName: string,
    reason: string,
  ) {
    super(`${fileName}: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}

/**
 * Decodes an image file to RGBA8 with the browser's decoders: `createImageBitmap`
 * applies the EXIF orientation and converts to sRGB as the CLI's decoder does, and an
 * `OffscreenCanvas` returns the pixels without premultiplied alpha.
 */
export async function decodeImage(blob: Blob, fileName: string): Promise<RgbaImage> {
  if (blob.size === 0) throw new ImageDecodeError(fileName, 'file is empty');

  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch (error) {
    throw new ImageDecodeError(
      fileName,
      `not an image this browser can decode (${(error as Error).message}); use JPEG, PNG, GIF, WebP or BMP`,
    );
  }

  try {
    const { width, height } = bitmap;
    if (width * height > MAX_IMAGE_PIXELS) {
      throw new ImageDecodeError(fileName, `image is ${width}×${height} pixels, over the limit of ${MAX_IMAGE_PIXELS}; downscale it first`);
    }

    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new ImageDecodeError(fileName, 'the browser returned no 2D canvas context to read pixels from');
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height);
    return { width, height, data: new Uint8Array(pixels.data.buffer) };
  } finally {
    bitmap.close();
  }
}
