import type { Preprocessing } from '../../ir/graph';

/**
 * Preprocessing for a TF.js model, whose files do not record input normalization.
 *
 * NOTE: x = pixel / 255 (mean 0, std 1) is assumed, which is what nsfwjs feeds its
 * models; Keras MobileNets from `keras.applications` expect [-1, 1] instead
 * (mean = std = 0.5), so callers that know the model should override it.
 */
export function imagePreprocessing(height: number, width: number): Preprocessing {
  return {
    height,
    width,
    sourceLayout: 'NHWC',
    channelOrder: 'RGB',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    resize: { mode: 'stretch' },
  };
}
