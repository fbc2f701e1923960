/** Formats a count with its noun in the matching number: `1 image`, `2 images`, `0 images`. */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
