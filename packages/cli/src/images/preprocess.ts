/**
 * CPU image preprocessing for `offshelf run --image`: resize as the model's
 * importer recorded (stretch, or shorter side then center crop), bilinear with
 * half-pixel centres and no antialiasing, then x = (pixel / 255 − mean) / std,
 * written as an NCHW float32 tensor of batch 1. Alpha is ignored.
 */
import type { Preprocessing, RgbaImage } from '@offshelf/backbone';

import type { FloatTensor } from '../backbone/open-backbone';

interface CropWindow {
  /** Source region (in source pixels) mapped onto the output. */
  x0: number;
  y0: number;
  width: number;
  height: number;
}

function cropWindow(image: RgbaImage, preprocessing: Preprocessing): CropWindow {
  if (preprocessing.resize.mode === 'stretch') return { x0: 0, y0: 0, width: image.width, height: image.height };

  // Scale so the shorter side becomes `shorterSide`, then take the centered output-size window.
  const scale = preprocessing.resize.shorterSide / Math.min(image.width, image.height);
  const width = preprocessing.width / scale;
  const height = preprocessing.height / scale;
  return { x0: (image.width - width) / 2, y0: (image.height - height) / 2, width, height };
}

/** Converts an image to the model's input tensor, shape [1, 3, height, width]. */
export function imageToTensor(image: RgbaImage, preprocessing: Preprocessing): FloatTensor {
  const { width: outWidth, height: outHeight, mean, std } = preprocessing;
  const window = cropWindow(image, preprocessing);
  const data = new Float32Array(3 * outHeight * outWidth);
  const plane = outHeight * outWidth;
  const channelOrder = preprocessing.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];

  const sample = (x: number, y: number, channel: number): number => {
    const clampedX = Math.min(Math.max(x, 0), image.width - 1);
    const clampedY = Math.min(Math.max(y, 0), image.height - 1);
    return image.data[(clampedY * image.width + clampedX) * 4 + channel]!;
  };

  for (let oy = 0; oy < outHeight; oy++) {
    const sy = Math.max(window.y0 + ((oy + 0.5) * window.height) / outHeight - 0.5, 0);
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let ox = 0; ox < outWidth; ox++) {
      const sx = Math.max(window.x0 + ((ox + 0.5) * window.width) / outWidth - 0.5, 0);
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const source = channelOrder[c]!;
        const top = sample(x0, y0, source) * (1 - fx) + sample(x0 + 1, y0, source) * fx;
        const bottom = sample(x0, y0 + 1, source) * (1 - fx) + sample(x0 + 1, y0 + 1, source) * fx;
        const pixel = top * (1 - fy) + bottom * fy;
        data[c * plane + oy * outWidth + ox] = (pixel / 255 - mean[c]!) / std[c]!;
      }
    }
  }

  return { shape: [1, 3, outHeight, outWidth], data };
}
