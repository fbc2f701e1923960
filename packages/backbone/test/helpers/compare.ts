/** Max absolute difference and relative max error max|Δ| / max|ref| of two tensors. */
export function compareTensors(actual: ArrayLike<number>, expected: ArrayLike<number>): { maxAbs: number; relative: number; first: string } {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  if (Number.isNaN(maxAbs)) maxAbs = Infinity;
  for (let i = 0; i < actual.length; i++) if (Number.isNaN(actual[i]!)) maxAbs = Infinity;
  const first = `actual [${Array.from(actual).slice(0, 4).map((v) => v.toPrecision(5)).join(', ')}] expected [${Array.from(expected).slice(0, 4).map((v) => v.toPrecision(5)).join(', ')}]`;
  return { maxAbs, relative: maxRef === 0 ? maxAbs : maxAbs / maxRef, first };
}
