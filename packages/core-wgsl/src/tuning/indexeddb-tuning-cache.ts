import type { TuningCache, TuningTable } from './tuning-cache';

const STORE = 'tuning';

/**
 * A tuning cache in the browser's IndexedDB: one record per adapter key in the `tuning` object store.
 * NOTE: no test runs this class, because Node has no IndexedDB and the browser tests do not tune yet.
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

  async save(adapterKey: string, table: TuningTable): Promise<void> {
    await this.request('readwrite', (store) => store.put(table, adapterKey));
  }

  async clear(): Promise<void> {
    await this.request('readwrite', (store) => store.clear());
  }

  private async request<T>(mode: IDBTransactionMode, makeRequest: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const database = await this.open();
    return new Promise<T>((resolve, reject) => {
      const request = makeRequest(database.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(new Error(`IndexedDB tuning cache '${this.databaseName}': ${request.error?.message ?? 'request failed'}.`));
    });
  }

  private open(): Promise<IDBDatabase> {
    if (!this.factory) {
      return Promise.reject(new Error('IndexedDB is not available in this environment; use MemoryTuningCache or a file cache instead.'));
    }
    this.database ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = this.factory!.open(this.databaseName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`cannot open IndexedDB database '${this.databaseName}': ${request.error?.message ?? 'unknown error'}.`));
    });
    return this.database;
  }
}
