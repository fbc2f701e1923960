import type { TuningCache, TuningTable } from './tuning-cache';

/** Object store with one record per adapter key, the adapter's `TuningTable`. */
const STORE = 'tuning';

/**
 * A tuning cache in the browser's IndexedDB: one record per adapter key in the `tuning` object
 * store of database `databaseName`. When that database exists without the store, because other
 * code of the page created it, a version upgrade adds the store and keeps the other stores.
 */
export class IndexedDbTuningCache implements TuningCache {
  private database: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly databaseName = 'offshelf',
    private readonly factory: IDBFactory | undefined = globalThis.indexedDB,
  ) {}

  async load(adapterKey: string): Promise<TuningTable> {
    const record = await this.request<TuningTable | undefined>('readonly', (store) => store.get(adapterKey));
    return record ?? {};
  }

  /**
   * Stores `table` as `adapterKey`'s table, merged into the stored one in the same transaction:
   * entries another tab saved since `table` was loaded stay, and `table`'s entries win.
   */
  async save(adapterKey: string, table: TuningTable): Promise<void> {
    await this.request('readwrite', (store) => {
      // Read-write transactions on one store run one at a time, so no save lands between the get and the put.
      const stored = store.get(adapterKey);
      stored.onsuccess = () => {
        store.put({ ...(stored.result as TuningTable | undefined), ...table }, adapterKey);
      };
      return stored;
    });
  }

  async clear(): Promise<void> {
    await this.request('readwrite', (store) => store.clear());
  }

  /** Runs one request in its own transaction and returns its result once the transaction has committed. */
  private async request<T>(mode: IDBTransactionMode, makeRequest: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const database = await this.open();
    return new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const request = makeRequest(transaction.objectStore(STORE));

      // A write's `success` event comes before the commit, which can still fail (quota exceeded),
      // so only `complete` means the record is stored. A failed request aborts the transaction.
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onabort = () => {
        const reason = transaction.error ?? request.error;
        reject(new Error(`IndexedDB tuning cache '${this.databaseName}': ${mode} transaction failed: ${reason?.message ?? 'aborted'}.`));
      };
    });
  }

  private open(): Promise<IDBDatabase> {
    if (!this.factory) {
      return Promise.reject(new Error('IndexedDB is not available in this environment; use MemoryTuningCache or a file cache instead.'));
    }

    // A failed open is not kept, so the next call tries again.
    this.database ??= this.openWithStore(this.factory).catch((error: unknown) => {
      this.database = null;
      throw error;
    });
    return this.database;
  }

  private async openWithStore(factory: IDBFactory): Promise<IDBDatabase> {
    let database = await this.openVersion(factory, undefined);
    if (!database.objectStoreNames.contains(STORE)) {
      // NOTE: this upgrade waits as long as another connection to the database, one that ignores `versionchange`, stays open.
      const version = database.version + 1;
      database.close();
      database = await this.openVersion(factory, version);
    }

    // An upgrade by another tab waits until every connection has closed, so this one closes
    // and the next call opens the upgraded database.
    database.onversionchange = () => {
      database.close();
      this.database = null;
    };
    return database;
  }

  /** Opens the database at `version`, or at its current version (creating it) when undefined. */
  private openVersion(factory: IDBFactory, version: number | undefined): Promise<IDBDatabase> {
    return new Promise<IDBDatabase>((resolve, reject) => {
      const request = version === undefined ? factory.open(this.databaseName) : factory.open(this.databaseName, version);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`cannot open IndexedDB database '${this.databaseName}': ${request.error?.message ?? 'unknown error'}.`));
    });
  }
}
