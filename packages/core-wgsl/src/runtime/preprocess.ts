/**
 * The one preprocessing step applied to `.wgsl` files before compilation.
 *
 * - `#if NAME` / `#else` / `#endif` keep or drop lines by a boolean define (nesting allowed).
 * - `{{NAME}}` is replaced by the define's value (numbers, or WGSL snippets such as an activation).
 *
 * Anything that varies per layer but not per shape belongs here; shapes go in uniforms.
 */
export type Defines = Record<string, boolean | number | string>;

export function specializeWgsl(source: string, defines: Defines): string {
  const output: string[] = [];
  const stack: Array<{ active: boolean; parentActive: boolean; seenElse: boolean }> = [];
  let active = true;

  source.split('\n').forEach((line, index) => {
    const directive = /^\s*#(if|else|endif)\b\s*(\w*)/.exec(line);
    if (!directive) {
      if (active) output.push(line);
      return;
    }

    const [, keyword, name] = directive;
    if (keyword === 'if') {
      if (!(name! in defines)) throw new Error(`WGSL #if on line ${index + 1} names undefined flag ${name}.`);
      stack.push({ active, parentActive: active, seenElse: false });
      active = active && Boolean(defines[name!]);
    } else if (keyword === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.seenElse) throw new Error(`WGSL #else without #if on line ${index + 1}.`);
      top.seenElse = true;
      active = top.parentActive && !active;
    } else {
      const top = stack.pop();
      if (!top) throw new Error(`WGSL #endif without #if on line ${index + 1}.`);
      active = top.parentActive;
    }
  });
  if (stack.length > 0) throw new Error('WGSL #if without #endif.');

  return output.join('\n').replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in defines)) throw new Error(`WGSL placeholder {{${name}}} has no define.`);
    const value = defines[name]!;
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

/** Formats a number as a WGSL literal: integers stay integers, floats keep full precision. */
function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value.toPrecision(9);
}

/** Formats a number as a WGSL f32 literal, such as `6.0` or `-3.4028235e38`. */
export function f32Literal(value: number): string {
  // Infinities clamp to the largest finite f32, written exactly: WGSL rejects a decimal such as
  // 3.40282347e38 that lies above it.
  if (value === Infinity) return '0x1.fffffep+127f';
  if (value === -Infinity) return '-0x1.fffffep+127f';
  const text = Number.isInteger(value) ? value.toFixed(1) : value.toPrecision(9);
  return text;
}
