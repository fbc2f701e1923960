/** Lists names separated by commas, quoting those that hold a comma or a quote, so `a, "b, c"` reads as two names. */
export function formatNameList(names: readonly string[]): string {
  return names.map((name) => (/[,"]/.test(name) ? JSON.stringify(name) : name)).join(', ');
}
