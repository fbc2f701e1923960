import { conv2dOutputShape, type Conv2dShape, type Epilogue } from '../../src/index';
import { epilogueReference } from './epilogue';

// The F(2×2, 3×3) transform matrices: input Bᵀ, weights G and output Aᵀ.
const BT = [
  [1, 0, -1, 0],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, 1, 0, -1],
];
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];
const AT = [
  [1, 1, 1, 0],
  [0, 1, -1, -1],
];

/** Returns left · x · rightᵀ for row-major matrices given as arrays of rows. */
function sandwich(left: number[][], x: number[][], right: number[][]): number[][] {
  const lx = left.map((row) => x[0]!.map((_, j) => row.reduce((sum, l, k) => sum + l * x[k]![j]!, 0)));
  return lx.map((row) => right.map((r) => row.reduce((sum, v, k) => sum + v * r[k]!, 0)));
}

/**
 * Float64 Winograd F(2×2, 3×3) convolution (one group, 3×3 kernel, stride 1, dilation 1) with
 * the epilogue: U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ (Σ_c U ⊙ V) A per 2×2 output tile. Each
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
): Float64Array {
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
    for (let ty = 0; ty < outHeight; ty += 2) {
      for (let tx = 0; tx < outWidth; tx += 2) {
        const patches = Array.from({ length: inChannels }, (_, c) => {
          const d = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => pixel(n, c, ty - shape.padTop + i, tx - shape.padLeft + j)));
          return sandwich(BT, d, BT);
        });
        for (let o = 0; o < outChannels; o++) {
          const m = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) =>
            patches.reduce((sum, v, c) => sum + transformed[o * inChannels + c]![i]![j]! * v[i]![j]!, 0)));
          const y = sandwich(AT, m, AT);
          for (let i = 0; i < 2 && ty + i < outHeight; i++) {
            for (let j = 0; j < 2 && tx + j < outWidth; j++) {
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
