/** WebGPU's default maxComputeWorkgroupsPerDimension. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Returns `counts` unchanged, or throws naming the kernel and the dimension over the limit. */
export function checkWorkgroupCounts(kernel: string, counts: [number, number, number]): [number, number, number] {
  counts.forEach((count, axis) => {
    if (count > MAX_WORKGROUPS_PER_DIMENSION) {
      throw new Error(
        `${kernel}: ${count} workgroups along ${'xyz'[axis]} exceed the limit of ${MAX_WORKGROUPS_PER_DIMENSION}. ` +
          'Split the batch or use the naive variant, which folds its dispatch.',
      );
    }
  });
  return counts;
}
