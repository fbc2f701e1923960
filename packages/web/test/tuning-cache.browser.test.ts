// IndexedDbTuningCache in headless Chromium: Node has no IndexedDB, so only a page can run it.
// Each reload keeps the origin (same test server) and the profile folder, so IndexedDB persists.
import type { TunedChoice, TuningTable } from '@offshelf/core-wgsl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { serveTestPage, startHarness, type Harness } from './support/harness';

interface PageKeys {
  adapterKey: string;
  otherAdapterKey: string;
  keyString: string;
  variants: string[];
}

interface PageTuning {
  results: Array<{ keyString: string; choice: TunedChoice; fromCache: boolean }>;
  timedDispatches: number;
}

/** The functions test/page/tuning-cache.ts puts on the page's global object. */
interface TuningCachePage {
  describeKeys(): Promise<PageKeys>;
  tuneIntoCache(databaseName: string, adapterKey: string): Promise<PageTuning>;
  loadTable(databaseName: string, adapterKey: string): Promise<TuningTable>;
  saveTable(databaseName: string, adapterKey: string, table: TuningTable): Promise<void>;
  saveConcurrently(databaseName: string, adapterKey: string, tables: TuningTable[]): Promise<void>;
  clearCache(databaseName: string): Promise<void>;
  lookupVariant(databaseName: string, adapterKey: string): Promise<string | null>;
  createOtherDatabase(databaseName: string, record: string): Promise<void>;
  inspectDatabase(databaseName: string): Promise<{ stores: string[]; record: unknown }>;
}

type PageFunction = keyof TuningCachePage;

let harness: Harness;
let pageUrl: string;
let keys: PageKeys;

/** Calls one page function with JSON-serializable arguments and returns its result. */
async function call<Name extends PageFunction>(name: Name, ...args: Parameters<TuningCachePage[Name]>): Promise<Awaited<ReturnType<TuningCachePage[Name]>>> {
  try {
    return await harness.page.evaluate(
      ([functionName, functionArgs]) => (globalThis as unknown as Record<string, (...values: unknown[]) => unknown>)[functionName]!(...functionArgs),
      [name, args] as const,
    ) as Awaited<ReturnType<TuningCachePage[Name]>>;
  } catch (error) {
    throw new Error(`${name} failed on the page: ${(error as Error).message}\n${harness.log.join('\n')}`);
  }
}

/** Loads the test page again, which closes its IndexedDB connections and starts a new JavaScript realm. */
async function reload(): Promise<void> {
  await harness.page.reload();
  await harness.page.waitForFunction(() => document.title === 'tuning-cache ready');
}

beforeAll(async () => {
  harness = await startHarness();
  pageUrl = await serveTestPage(harness.server, 'tuning-cache');
  await harness.page.goto(pageUrl);
  await harness.page.waitForFunction(() => document.title === 'tuning-cache ready');
  keys = await call('describeKeys');
});
afterAll(async () => {
  await harness?.shutdown();
});

describe('IndexedDB tuning cache', () => {
  it('keeps tuned results across a reload', async () => {
    const database = 'tuning-reload';
    expect(keys.variants.length, 'the test convolution needs several variants to tune').toBeGreaterThan(1);

    const tuned = await call('tuneIntoCache', database, keys.adapterKey);
    expect(tuned.results).toHaveLength(1);
    expect(tuned.results[0]!.fromCache).toBe(false);
    expect(tuned.results[0]!.keyString).toBe(keys.keyString);
    expect(tuned.timedDispatches).toBeGreaterThan(0);
    const stored = await call('loadTable', database, keys.adapterKey);
    expect(stored).toEqual({ [keys.keyString]: tuned.results[0]!.choice });

    await reload();

    expect(await call('loadTable', database, keys.adapterKey)).toEqual(stored);
    expect(await call('lookupVariant', database, keys.adapterKey)).toBe(tuned.results[0]!.choice.variant);
    const again = await call('tuneIntoCache', database, keys.adapterKey);
    expect(again.results[0]!.fromCache, 'the reloaded page tuned again instead of reading the cache').toBe(true);
    expect(again.timedDispatches).toBe(0);
    expect(again.results[0]!.choice).toEqual(tuned.results[0]!.choice);
  });

  it('stores a table unchanged', async () => {
    const database = 'tuning-values';
    // Times that are not short decimals, a tiny and a large one, and a non-ASCII key: a structured clone keeps them exactly.
    const table: TuningTable = {
      'conv2d|n=1|shape→example|code=0123abcd': { variant: 'direct', defaultVariant: 'implicit-gemm-8x8', timesMs: { direct: 0.1 + 0.2, 'implicit-gemm-8x8': 1 / 3 } },
      'gemm|b=1|m=7|code=89abcdef': { variant: 'naive', defaultVariant: 'naive', timesMs: { naive: 5e-324, 'register-8x8': 1.7976931348623157e308 } },
      'gemm|b=2|untimed': { variant: 'naive', defaultVariant: 'naive', timesMs: {} },
    };
    await call('saveTable', database, keys.adapterKey, table);

    await reload();

    expect(await call('loadTable', database, keys.adapterKey)).toEqual(table);
  });

  it('merges concurrent saves', async () => {
    const database = 'tuning-concurrent';
    const first: TuningTable = { 'conv2d|first': { variant: 'direct', defaultVariant: 'direct', timesMs: { direct: 1 } } };
    const second: TuningTable = { 'conv2d|second': { variant: 'naive', defaultVariant: 'naive', timesMs: { naive: 2 } } };

    await call('saveConcurrently', database, keys.adapterKey, [first, second]);

    expect(await call('loadTable', database, keys.adapterKey)).toEqual({ ...first, ...second });
  });

  it('misses for another adapter', async () => {
    const database = 'tuning-adapters';
    await call('tuneIntoCache', database, keys.adapterKey);

    await reload();

    expect(await call('loadTable', database, keys.otherAdapterKey)).toEqual({});
    expect(await call('lookupVariant', database, keys.otherAdapterKey)).toBeNull();
    const other = await call('tuneIntoCache', database, keys.otherAdapterKey);
    expect(other.results[0]!.fromCache, 'results of one adapter were used for another').toBe(false);

    // Saving the other adapter's table kept the first one.
    expect(Object.keys(await call('loadTable', database, keys.adapterKey))).toEqual([keys.keyString]);
  });

  it('misses for another code fingerprint', async () => {
    const database = 'tuning-fingerprint';
    const tuned = await call('tuneIntoCache', database, keys.adapterKey);
    const choice = tuned.results[0]!.choice;

    // The same shape tuned with different kernel code: only the `code=` part of the key differs.
    const staleKey = keys.keyString.replace(/\|code=([0-9a-f]{8})$/, (_, code: string) => `|code=${code === '00000000' ? '11111111' : '00000000'}`);
    expect(staleKey).not.toBe(keys.keyString);
    // Saves merge into the stored table, so clear it to leave only the stale entry.
    await call('clearCache', database);
    await call('saveTable', database, keys.adapterKey, { [staleKey]: choice });

    await reload();

    expect(await call('loadTable', database, keys.adapterKey)).toEqual({ [staleKey]: choice });
    expect(await call('lookupVariant', database, keys.adapterKey)).toBeNull();
    const retuned = await call('tuneIntoCache', database, keys.adapterKey);
    expect(retuned.results[0]!.fromCache, 'an entry tuned for other kernel code was used').toBe(false);
  });

  it('clear deletes every adapter', async () => {
    const database = 'tuning-clear';
    const table: TuningTable = { [keys.keyString]: { variant: 'direct', defaultVariant: keys.variants[0]!, timesMs: {} } };
    await call('saveTable', database, keys.adapterKey, table);
    await call('saveTable', database, keys.otherAdapterKey, table);
    await call('clearCache', database);

    await reload();

    expect(await call('loadTable', database, keys.adapterKey)).toEqual({});
    expect(await call('loadTable', database, keys.otherAdapterKey)).toEqual({});

    // The store still works after a clear.
    await call('saveTable', database, keys.adapterKey, table);
    expect(await call('loadTable', database, keys.adapterKey)).toEqual(table);
  });

  it('adds its store to an existing database', async () => {
    const database = 'tuning-shared-database';
    await call('createOtherDatabase', database, 'model bytes');
    const table: TuningTable = { [keys.keyString]: { variant: 'direct', defaultVariant: keys.variants[0]!, timesMs: { direct: 2 } } };
    await call('saveTable', database, keys.adapterKey, table);

    await reload();

    expect(await call('loadTable', database, keys.adapterKey)).toEqual(table);
    const contents = await call('inspectDatabase', database);
    expect(contents.stores.sort()).toEqual(['models', 'tuning']);
    expect(contents.record, 'the upgrade lost the other store').toBe('model bytes');
  });
});
