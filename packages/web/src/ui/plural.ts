/** Formats `count` with `noun`, adding an s for any count but 1: "1 image", "3 images". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
