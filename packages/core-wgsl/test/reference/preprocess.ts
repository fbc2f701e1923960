/**
 * Float64 references for image preprocessing, from the formulas documented on
 * `preprocessImageProgram`: half-pixel centres, a triangle filter of radius
 * max(1, scale) when antialiasing (tf.image.resize's antialiased bilinear), classic
 * two-tap bilinear otherwise, then (pixel / 255 - mean) / std.
 */

export interface ReferenceImageOptions {
  crop: { x: number; y: number; width: number; height: number };
  outputWidth: number;
  outputHeight: number;
  mean: readonly number[];
  std: readonly number[];
  bgr: boolean;
}

/** Reads channel `c` (0 red, 1 green, 2 blue) of RGBA8 pixel (x, y). */
function channelAt(pixels: Uint8Array, width: number, x: number, y: number, c: number): number {
  return pixels[(y * width + x) * 4 + c]!;
}

/** Per-axis weights of every source pixel in [begin, end) for one output coordinate, by an exhaustive scan. */
function triangleWeights(centre: number, support: number, begin: number, end: number): Map<number, number> {
  const weights = new Map<number, number>();
  let total = 0;
  for (let i = begin; i < end; i++) {
    const weight = Math.max(0, 1 - Math.abs(i + 0.5 - centre) / support);
    if (weight > 0) weights.set(i, weight);
    total += weight;
  }
  for (const [i, weight] of weights) weights.set(i, weight / total);
  return weights;
}

/** Classic bilinear taps: the two pixels around `centre - 0.5`, indices clamped to [begin, end). */
function bilinearWeights(centre: number, begin: number, end: number): Map<number, number> {
  const position = centre - 0.5;
  const left = Math.floor(position);
  const fraction = position - left;
  const clamp = (i: number) => Math.min(Math.max(i, begin), end - 1);
  const weights = new Map<number, number>();
  weights.set(clamp(left), 1 - fraction);
  weights.set(clamp(left + 1), (weights.get(clamp(left + 1)) ?? 0) + fraction);
  return weights;
}

/** Returns the normalized 3 x H x W image in float64. */
export function referencePreprocess(
  pixels: Uint8Array,
  sourceWidth: number,
  options: ReferenceImageOptions,
  antialias: boolean,
): Float64Array {
  const { crop, outputWidth, outputHeight, mean, std, bgr } = options;
  const scaleX = crop.width / outputWidth;
  const scaleY = crop.height / outputHeight;
  const xBegin = Math.floor(crop.x);
  const xEnd = Math.ceil(crop.x + crop.width);
  const yBegin = Math.floor(crop.y);
  const yEnd = Math.ceil(crop.y + crop.height);
  const output = new Float64Array(3 * outputWidth * outputHeight);

  for (let y = 0; y < outputHeight; y++) {
    const centreY = crop.y + (y + 0.5) * scaleY;
    const rowWeights = antialias
      ? triangleWeights(centreY, Math.max(1, scaleY), yBegin, yEnd)
      : bilinearWeights(centreY, yBegin, yEnd);
    for (let x = 0; x < outputWidth; x++) {
      const centreX = crop.x + (x + 0.5) * scaleX;
      const columnWeights = antialias
        ? triangleWeights(centreX, Math.max(1, scaleX), xBegin, xEnd)
        : bilinearWeights(centreX, xBegin, xEnd);

      for (let c = 0; c < 3; c++) {
        const sourceChannel = bgr ? 2 - c : c;
        let value = 0;
        for (const [sy, wy] of rowWeights) {
          for (const [sx, wx] of columnWeights) value += wy * wx * channelAt(pixels, sourceWidth, sx, sy, sourceChannel);
        }
        output[(c * outputHeight + y) * outputWidth + x] = (value / 255 - mean[c]!) / std[c]!;
      }
    }
  }
  return output;
}
