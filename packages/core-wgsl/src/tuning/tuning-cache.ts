/** The measured choice for one tuning key on one adapter. */
export interface TunedChoice {
  /** Fastest variant that matched the default variant's output within tolerance. */
  variant: string;
  /** The selector's default variant for this key. */
  defaultVariant: string;
  /** Best measured time of each timed variant, in milliseconds. */
  timesMs: Record<string, number>;
  /**
   * Every variant that could run the key when it was tuned, default first. A choice is stale, and
   * ignored, when this list differs from the current one: a kernel added by a later release was
   * never timed against it. Entries written before this field existed lack it and are stale too.
   */
  candidates?: string[];
}

/** True when `choice` was tuned among exactly `variants`, the variants that can run its key now. */
export function isCurrentChoice(choice: TunedChoice | undefined, variants: readonly string[]): choice is TunedChoice {
  return choice !== undefined && choice.candidates !== undefined && variants.includes(choice.variant) &&
    choice.candidates.length === variants.length && choice.candidates.every((variant, index) => variant === variants[index]);
}

/** Tuned choices of one adapter, by `tuningKeyString`. */
export type TuningTable = Record<string, TunedChoice>;

/**
 * Storage for tuning results, one table per adapter (see `adapterIdentityKey`). The CLI
 * stores them in a JSON file, the browser in IndexedDB, tests in memory.
 */
export interface TuningCache {
  /** Returns the stored table of `adapterKey`, or an empty one. */
  load(adapterKey: string): Promise<TuningTable>;
  /**
   * Stores `table` as the table of `adapterKey`. A store that several processes or tabs share
   * may merge it with entries another one saved meanwhile (the CLI's file and IndexedDB do).
   */
  save(adapterKey: string, table: TuningTable): Promise<void>;
  /** Deletes every adapter's table. */
  clear(): Promise<void>;
}

/** A tuning cache that lives as long as the process, for tests and one-off runs. */
export class MemoryTuningCache implements TuningCache {
  readonly tables = new Map<string, TuningTable>();

  async load(adapterKey: string): Promise<TuningTable> {
    return structuredClone(this.tables.get(adapterKey) ?? {});
  }

  async save(adapterKey: string, table: TuningTable): Promise<void> {
    this.tables.set(adapterKey, structuredClone(table));
  }

  async clear(): Promise<void> {
    this.tables.clear();
  }
}
