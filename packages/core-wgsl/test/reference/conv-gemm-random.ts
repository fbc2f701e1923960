/** A seeded generator of uniform floats in [-1, 1) (mulberry32), so failing cases can be rerun exactly. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** `length` seeded uniform floats in [-1, 1). */
export function randomTensor(length: number, random: () => number): Float32Array {
  return Float32Array.from({ length }, () => random());
}
