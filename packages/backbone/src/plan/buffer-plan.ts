import type { Step, View } from './step';

/** Which buffer each value lives in, with buffers reused once their values are dead. */
export interface BufferAssignment {
  /** Buffer index of each value, views included (a view shares its input's index). */
  bufferOf: Map<string, number>;
  /** Byte size of each buffer. */
  bufferSizes: number[];
}

/**
 * Assigns activation buffers by liveness: a value's buffer returns to a free list after the
 * last step that reads it (or any view of it), and later values lease the smallest free buffer
 * that fits. Values in `keep` (graph outputs, taps) live to the end. A step's output is leased
 * before its inputs are released, so no kernel reads and writes the same buffer.
 * With `reuse` false every value gets its own buffer, so all stay readable after a run (debug mode).
 */
export function assignBuffers(
  inputs: ReadonlyMap<string, number>,
  steps: readonly Step[],
  views: readonly View[],
  byteSizes: ReadonlyMap<string, number>,
  keep: ReadonlySet<string>,
  reuse: boolean,
): BufferAssignment {
  const root = new Map<string, string>();
  for (const view of views) root.set(view.output, root.get(view.input) ?? view.input);
  const rootOf = (name: string): string => root.get(name) ?? name;

  // Last step reading each root value; kept values never die.
  const lastUse = new Map<string, number>();
  steps.forEach((step, index) => {
    for (const operand of step.inputs) if ('value' in operand) lastUse.set(rootOf(operand.value), index);
  });
  for (const name of keep) lastUse.set(rootOf(name), Infinity);

  const bufferSizes: number[] = [];
  const free: number[] = [];
  const bufferOfRoot = new Map<string, number>();
  const lease = (name: string, bytes: number): void => {
    let chosen = -1;
    if (reuse) {
      for (const candidate of free) {
        if (bufferSizes[candidate]! >= bytes && (chosen < 0 || bufferSizes[candidate]! < bufferSizes[chosen]!)) chosen = candidate;
      }
    }
    if (chosen >= 0) {
      free.splice(free.indexOf(chosen), 1);
    } else {
      chosen = bufferSizes.length;
      bufferSizes.push(bytes);
    }
    bufferOfRoot.set(name, chosen);
  };
  const release = (name: string): void => {
    const index = bufferOfRoot.get(name);
    if (index !== undefined && reuse) free.push(index);
  };

  for (const [name, bytes] of inputs) lease(name, bytes);
  for (const [name] of inputs) if (!lastUse.has(name)) release(name);

  steps.forEach((step, index) => {
    if (!bufferOfRoot.has(rootOf(step.output))) lease(rootOf(step.output), byteSizes.get(step.output)!);
    const released = new Set<string>();
    for (const operand of step.inputs) {
      if (!('value' in operand)) continue;
      const name = rootOf(operand.value);
      if (lastUse.get(name) === index && !released.has(name)) {
        released.add(name);
        release(name);
      }
    }
    if (!lastUse.has(rootOf(step.output))) release(rootOf(step.output));
  });

  const bufferOf = new Map<string, number>();
  for (const name of byteSizes.keys()) {
    const index = bufferOfRoot.get(rootOf(name));
    if (index !== undefined) bufferOf.set(name, index);
  }
  return { bufferOf, bufferSizes };
}
