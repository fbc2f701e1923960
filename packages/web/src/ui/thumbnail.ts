import type { RgbaImage } from '@offshelf/backbone';

/** Largest thumbnail edge in pixels; the CSS scales it to the card. */
const THUMBNAIL_EDGE = 48;

/** Draws a small preview of a decoded image into a new canvas. */
export function createThumbnail(image: RgbaImage, title: string): HTMLCanvasElement {
  const scale = THUMBNAIL_EDGE / Math.max(image.width, image.height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(image.width * scale));
  canvas.height = Math.max(1, Math.round(image.height * scale));
  canvas.title = title;

  const full = new OffscreenCanvas(image.width, image.height);
  full.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  canvas.getContext('2d')!.drawImage(full, 0, 0, canvas.width, canvas.height);
  return canvas;
}
