import { conv2dOutputShape, type Conv2dShape, type Epilogue } from '../../src/index';
import { epilogueReference } from './epilogue';

// The transform matrices of F(2×2, 3×3) and F(4×4, 3×3): input Bᵀ, weights G and output Aᵀ,
// written out here rather than taken from the kernels.
const TRANSFORMS = {
  2: {
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [0.5, 0.5, 0.5],
      [0.5, -0.5, 0.5],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};

/** Returns left · x · rightᵀ for row-major matrices given as arrays of rows. */
function sandwich(left: number[][], x: number[][], right: number[][]): number[][] {
  const lx = left.map((row) => x[0]!.map((_, j) => row.reduce((sum, l, k) => sum + l * x[k]![j]!, 0)));
  return lx.map((row) => right.map((r) => row.reduce((sum, v, k) => sum + v * r[k]!, 0)));
}

/**
 * Float64 Winograd F(tile×tile, 3×3) convolution (one group, 3×3 kernel, stride 1, dilation 1)
 * with the epilogue: U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ (Σ_c U ⊙ V) A per tile×tile output tile. Each
 * transformed weight passes through `roundWeight`, so a test can model weights stored as f16
 * after the transform. With no rounding it equals the direct convolution up to float64 rounding.
 */
export function winogradConv2dReference(
  shape: Conv2dShape,
  epilogue: Epilogue,
  input: Float32Array,
  weights: Float32Array,
  bias: Float32Array | null,
  residual: Float32Array | null,
  roundWeight: (value: number) => number = (value) => value,
  tile: 2 | 4 = 2,
): Float64Array {
  const { BT, G, AT } = TRANSFORMS[tile];
  const side = tile + 2;
  const range = (length: number) => Array.from({ length }, (_, i) => i);
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const { inChannels, inHeight, inWidth } = shape;
  const transformed = Array.from({ length: outChannels * inChannels }, (_, i) => {
    const g = [0, 1, 2].map((row) => [0, 1, 2].map((column) => weights[i * 9 + row * 3 + column]!));
    return sandwich(G, g, G).map((row) => row.map(roundWeight));
  });
  const pixel = (n: number, c: number, y: number, x: number): number =>
    y < 0 || y >= inHeight || x < 0 || x >= inWidth ? 0 : input[((n * inChannels + c) * inHeight + y) * inWidth + x]!;

  const output = new Float64Array(batch * outChannels * outHeight * outWidth);
  for (let n = 0; n < batch; n++) {
    for (let ty = 0; ty < outHeight; ty += tile) {
      for (let tx = 0; tx < outWidth; tx += tile) {
        const patches = Array.from({ length: inChannels }, (_, c) => {
          const d = range(side).map((i) => range(side).map((j) => pixel(n, c, ty - shape.padTop + i, tx - shape.padLeft + j)));
          return sandwich(BT, d, BT);
        });
        for (let o = 0; o < outChannels; o++) {
          const m = range(side).map((i) => range(side).map((j) =>
            patches.reduce((sum, v, c) => sum + transformed[o * inChannels + c]![i]![j]! * v[i]![j]!, 0)));
          const y = sandwich(AT, m, AT);
          for (let i = 0; i < tile && ty + i < outHeight; i++) {
            for (let j = 0; j < tile && tx + j < outWidth; j++) {
              const index = ((n * outChannels + o) * outHeight + ty + i) * outWidth + tx + j;
              output[index] = epilogueReference(epilogue, y[i]![j]!, bias?.[o] ?? 0, residual?.[index] ?? 0);
            }
          }
        }
      }
    }
  }
  return output;
}
