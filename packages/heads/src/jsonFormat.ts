/**
 * Describes the "format" field of parsed JSON for an error message, also where the JSON is not
 * an object or has no such field: `its "format" is "offshelf-model"`.
 */
export function describeFormatField(json: unknown): string {
  if (json === null) return 'the JSON is null, not an object';
  if (Array.isArray(json)) return 'the JSON is an array, not an object';
  if (typeof json !== 'object') return `the JSON is a ${typeof json}, not an object`;

  const format = (json as { format?: unknown }).format;
  if (format === undefined) return 'the JSON object has no "format" field';
  return `its "format" is ${JSON.stringify(format)}`;
}
