// Test-only page script: tunes one small convolution on the page's WebGPU device into an
// IndexedDbTuningCache, and reads and writes that cache for the browser test.
import {
  adapterIdentityFromInfo,
  adapterIdentityKey,
  IndexedDbTuningCache,
  kernelTargetOf,
  PLAIN_EPILOGUE,
  tuneKernels,
  tunedVariantLookup,
  tuningKeyString,
  variantsFor,
  type TuningKey,
  type TuningTable,
} from '@offshelf/core-wgsl';
import { requestDevice } from '@offshelf/device';

/** A 3×3 convolution small enough to tune in well under a second on SwiftShader, with several variants. */
const KEY: TuningKey = {
  kind: 'conv2d',
  shape: {
    batch: 1, inChannels: 4, inHeight: 8, inWidth: 8, outChannels: 8,
    kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 1,
  },
  epilogue: PLAIN_EPILOGUE,
};

/** Returns the adapter keys of this page's device and of a made-up other GPU, and the key string of KEY. */
async function describeKeys() {
  const gpu = await requestDevice();
  try {
    const identity = adapterIdentityFromInfo(gpu.device.adapterInfo, gpu.summary.backend);
    return {
      adapterKey: adapterIdentityKey(identity),
      otherAdapterKey: adapterIdentityKey({ ...identity, description: `${identity.description} (another GPU)` }),
      keyString: tuningKeyString(KEY),
      variants: variantsFor(KEY, kernelTargetOf(gpu.device)),
    };
  } finally {
    gpu.destroy();
  }
}

/** Tunes KEY under `adapterKey` with the cache in database `databaseName`, as the feature extractor does. */
async function tuneIntoCache(databaseName: string, adapterKey: string) {
  const gpu = await requestDevice();
  try {
    const cache = new IndexedDbTuningCache(databaseName);
    const report = await tuneKernels(gpu.device, [KEY], { cache, adapterKey, budgetMs: 50 });
    const results = report.results.map((result) => ({ keyString: result.keyString, choice: result.choice, fromCache: result.fromCache }));
    return { results, timedDispatches: report.timedDispatches };
  } finally {
    gpu.destroy();
  }
}

async function loadTable(databaseName: string, adapterKey: string): Promise<TuningTable> {
  return new IndexedDbTuningCache(databaseName).load(adapterKey);
}

async function saveTable(databaseName: string, adapterKey: string, table: TuningTable): Promise<void> {
  await new IndexedDbTuningCache(databaseName).save(adapterKey, table);
}

/** Saves each of `tables` under `adapterKey` at once, each through its own cache, as tabs would. */
async function saveConcurrently(databaseName: string, adapterKey: string, tables: TuningTable[]): Promise<void> {
  await Promise.all(tables.map((table) => new IndexedDbTuningCache(databaseName).save(adapterKey, table)));
}

async function clearCache(databaseName: string): Promise<void> {
  await new IndexedDbTuningCache(databaseName).clear();
}

/** Returns the variant the feature extractor would run for KEY from the stored table, or null when it misses. */
async function lookupVariant(databaseName: string, adapterKey: string): Promise<string | null> {
  const table = await new IndexedDbTuningCache(databaseName).load(adapterKey);
  const gpu = await requestDevice();
  try {
    return tunedVariantLookup(table, kernelTargetOf(gpu.device))(KEY) ?? null;
  } finally {
    gpu.destroy();
  }
}

/** Creates database `databaseName` at version 1 with a `models` store of its own and one record in it. */
async function createOtherDatabase(databaseName: string, record: string): Promise<void> {
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('models');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise<void>((resolve, reject) => {
    const transaction = database.transaction('models', 'readwrite');
    transaction.objectStore('models').put(record, 'record');
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error);
  });
  database.close();
}

/** Returns the object store names of database `databaseName` and the `models` record, if any. */
async function inspectDatabase(databaseName: string): Promise<{ stores: string[]; record: unknown }> {
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const stores = [...database.objectStoreNames];
    if (!stores.includes('models')) return { stores, record: undefined };
    const record = await new Promise<unknown>((resolve, reject) => {
      const request = database.transaction('models', 'readonly').objectStore('models').get('record');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return { stores, record };
  } finally {
    database.close();
  }
}

Object.assign(globalThis, { describeKeys, tuneIntoCache, loadTable, saveTable, saveConcurrently, clearCache, lookupVariant, createOtherDatabase, inspectDatabase });
document.title = 'tuning-cache ready';
