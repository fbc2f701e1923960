import { conv2dOutputLength } from '../kernels/conv/conv2d-shape';
import { createStorageBuffer, readFloat32 } from '../runtime/buffers';
import type { Conv2dOperand } from '../kernels/conv/conv2d-kernel';
import { encodeDispatch, prepareDispatch, releaseDispatch, type PreparedDispatch } from '../runtime/dispatch';
import { kernelTargetOf, type KernelTarget } from '../kernels/kernel-target';
import { pipelineCacheFor } from '../runtime/pipeline-cache';
import { DispatchTimer } from './dispatch-timer';
import { isCurrentChoice, type TunedChoice, type TuningCache, type TuningTable } from './tuning-cache';
import { buildVariant, reductionLength, tuningKeyString, variantsFor, type TuningKey } from './tuning-key';

export interface TuneOptions {
  cache: TuningCache;
  /** Adapter the results belong to (see `adapterIdentityKey`). */
  adapterKey: string;
  /**
   * Wall-clock milliseconds of timing per key (default 400). The default variant always gets
   * one run. Past the budget, a variant gets no further runs and later variants are skipped.
   */
  budgetMs?: number;
  /** Called after each key, for progress output. */
  onResult?: (result: TuningResult) => void;
}

/** The outcome for one key. */
export interface TuningResult {
  key: TuningKey;
  keyString: string;
  choice: TunedChoice;
  /** True when the choice came from the cache and nothing was timed. */
  fromCache: boolean;
  /** Faster variants whose output differed from the default variant's beyond tolerance. */
  rejected: string[];
  /** Variants not timed because the key's time budget was spent. */
  skipped: string[];
}

export interface TuningReport {
  results: TuningResult[];
  /** Timed dispatches run by this call, 0 when every key was cached. */
  timedDispatches: number;
  /** Whether times are GPU timestamps (else CPU time around `onSubmittedWorkDone`). */
  usesTimestamps: boolean;
}

/** Timed runs per variant at most; the minimum is kept because noise on a shared machine only adds time. */
const MAX_TIMED_RUNS = 3;

/** A variant whose first run is this many times slower than the best so far gets no further runs. */
const HOPELESS_FACTOR = 3;

/**
 * Share by which a variant must beat the default to replace it. Within it the times tie: on
 * lavapipe small kernels all take about the per-dispatch floor, and a choice among ties would
 * follow the noise from one tuning run to the next.
 */
export const TUNING_MARGIN = 0.05;

/**
 * Times every applicable variant of each key that `options.cache` lacks for this adapter, and
 * saves the fastest one whose output matches the default variant's within float32 rounding,
 * unless it is within TUNING_MARGIN of the default's time.
 * Inputs are seeded uniform values in [-1, 1].
 */
export async function tuneKernels(device: GPUDevice, keys: readonly TuningKey[], options: TuneOptions): Promise<TuningReport> {
  const table = await options.cache.load(options.adapterKey);
  const target = kernelTargetOf(device);
  const timer = new DispatchTimer(device);
  const results: TuningResult[] = [];
  let timedDispatches = 0;
  let changed = false;

  try {
    const seen = new Set<string>();
    for (const key of keys) {
      const keyString = tuningKeyString(key);
      if (seen.has(keyString)) continue;
      seen.add(keyString);

      const variants = variantsFor(key, target);
      const cached = table[keyString];
      let result: TuningResult;
      if (isCurrentChoice(cached, variants)) {
        result = { key, keyString, choice: cached, fromCache: true, rejected: [], skipped: [] };
      } else {
        const measured = await tuneKey(device, timer, key, variants, target, options.budgetMs ?? 400);
        timedDispatches += measured.timedDispatches;
        result = { key, keyString, choice: measured.choice, fromCache: false, rejected: measured.rejected, skipped: measured.skipped };
        table[keyString] = measured.choice;
        changed = true;
      }
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    timer.destroy();
  }

  if (changed) await options.cache.save(options.adapterKey, table);
  return { results, timedDispatches, usesTimestamps: timer.usesTimestamps };
}

/**
 * Returns a lookup of tuned variants in `table`. It returns undefined for keys not tuned and for
 * stale choices, tuned among other variants than `target` can run now (see `isCurrentChoice`).
 */
export function tunedVariantLookup(table: TuningTable, target: KernelTarget = {}): (key: TuningKey) => string | undefined {
  return (key) => {
    const choice = table[tuningKeyString(key)];
    return isCurrentChoice(choice, variantsFor(key, target)) ? choice.variant : undefined;
  };
}

async function tuneKey(
  device: GPUDevice,
  timer: DispatchTimer,
  key: TuningKey,
  variants: string[],
  target: KernelTarget,
  budgetMs: number,
): Promise<{ choice: TunedChoice; timedDispatches: number; rejected: string[]; skipped: string[] }> {
  const defaultVariant = variants[0]!;
  if (variants.length === 1) {
    return { choice: { variant: defaultVariant, defaultVariant, timesMs: {}, candidates: [...variants] }, timedDispatches: 0, rejected: [], skipped: [] };
  }

  const operands = operandLengths(key);
  const random = seededUniform(1);
  const mainInput = createStorageBuffer(device, randomValues(random, operands.main), 'tuning input');
  const constantData = randomValues(random, operands.constant);
  const epilogueInputs = operands.epilogue.map((length) => createStorageBuffer(device, randomValues(random, length), 'tuning epilogue input'));
  const output = createStorageBuffer(device, operands.output * 4, 'tuning output');
  const owned: GPUBuffer[] = [mainInput, output, ...epilogueInputs];
  const prepared = new Map<string, PreparedDispatch[]>();
  const timesMs: Record<string, number> = {};
  const skipped: string[] = [];
  let timedDispatches = 0;

  try {
    // Compile every variant at once, so the driver can build them in parallel.
    const built = variants.map((variant) => ({ variant, ...buildVariant(key, variant, target) }));
    await Promise.all(built.flatMap(({ passes }) => passes.map((pass) => pipelineCacheFor(device).getAsync(pass.program))));

    const start = performance.now();
    let best = Infinity;
    for (const { variant, passes, scratchLengths, pack } of built) {
      // Selectors list variants fastest first by their own estimate, so the skipped ones are the likely slow fallbacks.
      if (variant !== defaultVariant && performance.now() - start > budgetMs) {
        skipped.push(variant);
        continue;
      }

      const packed = pack(constantData);
      const constant = createStorageBuffer(device, packed, `tuning ${variant} constant`);
      owned.push(constant);
      const scratch = scratchLengths.map((length, i) => ({ buffer: createStorageBuffer(device, length * 4, `tuning ${variant} scratch ${i}`), size: length * 4 }));
      owned.push(...scratch.map((range) => range.buffer));
      const ranges: Record<string, { buffer: GPUBuffer; size: number }> = {
        input: { buffer: mainInput, size: operands.main * 4 },
        weights: { buffer: constant, size: packed.byteLength },
        output: { buffer: output, size: operands.output * 4 },
      };
      // Epilogue inputs come bias first, then residual, as operandLengths lists them.
      if (key.epilogue.bias) ranges.bias = { buffer: epilogueInputs[0]!, size: operands.epilogue[0]! * 4 };
      if (key.epilogue.residual !== 'none') ranges.residual = { buffer: epilogueInputs.at(-1)!, size: operands.epilogue.at(-1)! * 4 };
      const rangeOf = (operand: Conv2dOperand) => (typeof operand === 'string' ? ranges[operand]! : scratch[operand.scratch]!);
      const dispatch = passes.map((pass) => prepareDispatch(device, pass.program, pass.inputs.map(rangeOf), rangeOf(pass.output)));
      prepared.set(variant, dispatch);

      // The first run pays one-time costs (pipeline upload, page faults), so a later run usually sets the minimum.
      let fastest = await timer.time(dispatch);
      timedDispatches += 1;
      const hopeless = fastest > HOPELESS_FACTOR * best;
      for (let run = 0; run < MAX_TIMED_RUNS && !hopeless; run++) {
        if (run > 0 && performance.now() - start > budgetMs) break;
        fastest = Math.min(fastest, await timer.time(dispatch));
        timedDispatches += 1;
      }
      timesMs[variant] = fastest;
      best = Math.min(best, fastest);
    }

    // Trust a faster variant only if it reproduces the default variant's output.
    const rejected: string[] = [];
    const ranked = Object.keys(timesMs).sort((a, b) => timesMs[a]! - timesMs[b]!);
    let chosen = defaultVariant;
    let expected: Float32Array | null = null;
    for (const variant of ranked) {
      if (variant === defaultVariant || timesMs[variant]! > (1 - TUNING_MARGIN) * timesMs[defaultVariant]!) break;
      expected ??= await runAndRead(device, prepared.get(defaultVariant)!, output, operands.output);
      const actual = await runAndRead(device, prepared.get(variant)!, output, operands.output);
      if (matchesWithinRounding(actual, expected, reductionLength(key))) {
        chosen = variant;
        break;
      }
      rejected.push(variant);
    }
    return { choice: { variant: chosen, defaultVariant, timesMs, candidates: [...variants] }, timedDispatches, rejected, skipped };
  } finally {
    for (const dispatches of prepared.values()) dispatches.forEach(releaseDispatch);
    for (const buffer of owned) buffer.destroy();
  }
}

/** Float counts of the main input, the packed constant (weights or B), the epilogue inputs and the output. */
function operandLengths(key: TuningKey): { main: number; constant: number; epilogue: number[]; output: number } {
  const epilogue: number[] = [];
  if (key.kind === 'conv2d') {
    const s = key.shape;
    const output = conv2dOutputLength(s);
    if (key.epilogue.bias) epilogue.push(s.outChannels);
    if (key.epilogue.residual !== 'none') epilogue.push(output);
    return {
      main: s.batch * s.inChannels * s.inHeight * s.inWidth,
      constant: s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth,
      epilogue,
      output,
    };
  }
  const s = key.shape;
  const output = s.batch * s.M * s.N;
  if (key.epilogue.bias) epilogue.push(s.N);
  if (key.epilogue.residual !== 'none') epilogue.push(output);
  return { main: s.batch * s.M * s.K, constant: (s.broadcastB ? 1 : s.batch) * s.K * s.N, epilogue, output };
}

async function runAndRead(device: GPUDevice, prepared: readonly PreparedDispatch[], output: GPUBuffer, length: number): Promise<Float32Array> {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const dispatch of prepared) encodeDispatch(pass, dispatch);
  pass.end();
  device.queue.submit([encoder.finish()]);
  return readFloat32(device, output, length);
}

/**
 * Compares two variants' outputs for inputs in [-1, 1]. The kernel tests bound each variant's
 * float32 sum of `reductionLength` products by 4 · 6e-8 · (length + 4) relative to 1 + |value|.
 * Two variants may each be off by that bound, so they may differ by twice it.
 */
export function matchesWithinRounding(actual: Float32Array, expected: Float32Array, reductionLength: number): boolean {
  const tolerance = 2 * 4 * 6e-8 * (reductionLength + 4);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!));
    if (!(error <= tolerance)) return false;
  }
  return true;
}

function randomValues(random: () => number, length: number): Float32Array {
  return Float32Array.from({ length }, () => random() * 2 - 1);
}

/** A small deterministic generator (mulberry32), so every tuning run times the same data. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
