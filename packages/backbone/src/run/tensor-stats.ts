/** Summary of one tensor for `debug` output: shape, min, max, mean and the first values. */
export function formatTensorStats(name: string, shape: readonly number[], data: Float32Array): string {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nonFinite = 0;
  for (const v of data) {
    if (!Number.isFinite(v)) {
      nonFinite += 1;
      continue;
    }
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const mean = sum / Math.max(1, data.length - nonFinite);
  const first = Array.from(data.subarray(0, 5), (v) => v.toPrecision(5)).join(', ');
  const extra = nonFinite > 0 ? ` non-finite=${nonFinite}` : '';
  return `${name} [${shape.join('x')}] min=${min.toPrecision(5)} max=${max.toPrecision(5)} mean=${mean.toPrecision(5)}${extra} first=[${first}]`;
}
