/** Seeded uniform random numbers (mulberry32), so a failing case can be rerun exactly. */
export function randomGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` float32 values uniform in [-scale, scale). */
export function randomFloats(random: () => number, length: number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => (random() * 2 - 1) * scale);
}

/** Returns an integer uniform in [low, high]. */
export function randomInt(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** Largest absolute and relative differences between `actual` and a float64 `expected`. */
export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>): { maxAbs: number; maxRel: number; worst: number } {
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    if (!(difference <= maxAbs)) {
      maxAbs = difference;
      worst = i;
    }
    maxRel = Math.max(maxRel, difference / Math.max(Math.abs(expected[i]!), 1e-30));
  }
  return { maxAbs, maxRel, worst };
}

/** Summarizes an array comparison in one line for failure messages. */
export function describeErrors(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): string {
  const { maxAbs, maxRel, worst } = compareArrays(actual, expected);
  const at = worst >= 0 ? `; worst at index ${worst}: got ${actual[worst]}, expected ${expected[worst]}` : '';
  return `${label}: max abs error ${maxAbs.toExponential(3)}, max rel error ${maxRel.toExponential(3)}${at}`;
}
