import { seededRandom } from '../seeded-random';

// Kept free of Node imports: the ort-wasm-chromium page bundles this file to build the same input.

/** Uniform values in [-1, 1), the range of normalized image pixels, from a fixed seed. */
export function randomInput(count: number): Float32Array {
  const random = seededRandom(1234);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = random() * 2 - 1;
  return values;
}
