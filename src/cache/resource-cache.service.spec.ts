import type { Cache } from 'cache-manager';
import { Registry } from 'prom-client';
import type { AppConfig } from '../config/app-config.js';
import { CacheMetrics } from './cache-metrics.js';
import { ResourceCache } from './resource-cache.service.js';

/**
 * Two instances' caches over one shared store (what Redis is to the instances), with database
 * loads that the test settles by hand, so the interleavings of concurrent readers and writers
 * are exact rather than timed.
 */
class SharedStore {
  private readonly values = new Map<string, unknown>();
  /** While set, every read or every write of the store fails (Redis unreachable for it). */
  failing: 'reads' | 'writes' | undefined;

  /** cache-manager's API for writes, and its Keyv store for reads, as ResourceCache uses them. */
  asCache(): Cache {
    const refused = () => Promise.reject(new Error('store unreachable'));
    const getMany = (keys: string[]) =>
      this.failing === 'reads'
        ? refused()
        : Promise.resolve(keys.map((key) => this.copy(this.values.get(key))));
    return {
      stores: [{ getMany, get: (key: string) => Promise.resolve(this.copy(this.values.get(key))) }],
      set: (key: string, value: unknown) => {
        if (this.failing === 'writes') return refused();
        this.values.set(key, this.copy(value));
        return Promise.resolve(value);
      },
      mset: (list: { key: string; value: unknown }[]) => {
        if (this.failing === 'writes') return refused();
        for (const { key, value } of list) this.values.set(key, this.copy(value));
        return Promise.resolve(list);
      },
    } as unknown as Cache;
  }

  /** Values go through serialisation, as they do in Redis. */
  private copy(value: unknown): unknown {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }
}

interface Row {
  title: string;
}

/** The database: one row, and loads that each see the row as it was when the load ran. */
class FakeDatabase {
  row: Row = { title: 'old' };
  /** Loads run so far (settled or not). */
  loads = 0;
  readonly pending: { resolve: () => void }[] = [];

  /** A load that reads the row now but answers only when released. */
  deferredLoad = (): (() => Promise<Row | null>) => () => {
    this.loads += 1;
    const seen = { ...this.row };
    return new Promise<Row | null>((resolve) => {
      this.pending.push({ resolve: () => resolve(seen) });
    });
  };

  releaseAll(): void {
    for (const load of this.pending.splice(0)) load.resolve();
  }

  /** Releases the load that is `index`th among those still pending. */
  release(index: number): void {
    const [load] = this.pending.splice(index, 1);
    if (!load) throw new Error(`no pending load ${index}`);
    load.resolve();
  }
}

function instanceOn(store: SharedStore): ResourceCache {
  const config = { cacheTtlSeconds: 3600 } as AppConfig;
  return new ResourceCache(store.asCache(), config, new CacheMetrics(new Registry()), null);
}

const hydrate = (row: Row): Row => row;
const KEY = 'post:5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d';

/** Lets queued promise callbacks (the cache's store round trips) run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
}

describe('ResourceCache single flight across instances', () => {
  let store: SharedStore;
  let database: FakeDatabase;
  let x: ResourceCache;
  let y: ResourceCache;

  beforeEach(() => {
    store = new SharedStore();
    database = new FakeDatabase();
    x = instanceOn(store);
    y = instanceOn(store);
  });

  it('a read on X that starts after a write on Y returned never joins a load that began before it', async () => {
    // A reader on X misses and starts loading the old row (slow database link on X).
    const before = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    expect(database.pending).toHaveLength(1);

    // A write on Y commits and invalidates, and returns.
    database.row = { title: 'new' };
    await y.invalidate([KEY]);

    // A reader on X that starts now must see the write.
    const after = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    database.releaseAll();
    await settle();
    database.releaseAll();

    expect((await before)?.value.title).toBe('old');
    expect((await after)?.value.title).toBe('new');
    // Nor may the old row have been stored under the new generation, for any instance to serve.
    const onY = await y.read(KEY, database.deferredLoad(), hydrate);
    expect(onY).toEqual({ value: { title: 'new' }, hit: true });
    const onX = await x.read(KEY, database.deferredLoad(), hydrate);
    expect(onX).toEqual({ value: { title: 'new' }, hit: true });
  });

  it('readers on one instance that saw the same generation still share one load', async () => {
    const first = x.read(KEY, database.deferredLoad(), hydrate);
    const second = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    expect(database.pending).toHaveLength(1);
    database.releaseAll();
    expect(await first).toEqual({ value: { title: 'old' }, hit: false });
    expect(await second).toEqual({ value: { title: 'old' }, hit: false });
  });

  it('a write on the same instance also keeps later readers off the older load', async () => {
    const before = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    database.row = { title: 'new' };
    await x.invalidate([KEY]);
    const after = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    database.releaseAll();
    expect((await before)?.value.title).toBe('old');
    expect((await after)?.value.title).toBe('new');
    expect(await y.read(KEY, database.deferredLoad(), hydrate)).toEqual({
      value: { title: 'new' },
      hit: true,
    });
  });

  it('a reader that loaded the old row before a write, and stores it after, leaves an entry never served', async () => {
    // The slow reader has loaded the old row; the write commits and invalidates, and returns.
    const slowReader = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    database.row = { title: 'new' };
    await y.invalidate([KEY]);

    // A read that starts after the write returned has a load of its own, and answers the new row.
    const after = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    expect(database.pending).toHaveLength(2);
    database.release(1);
    expect(await after).toEqual({ value: { title: 'new' }, hit: false });

    // The slow reader finishes last and stores the old row over the new entry.
    database.release(0);
    expect(await slowReader).toEqual({ value: { title: 'old' }, hit: false });

    // That entry is never served: the next read loads the new row, and the one after hits it.
    const next = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    expect(database.pending).toHaveLength(1);
    database.releaseAll();
    expect(await next).toEqual({ value: { title: 'new' }, hit: false });
    expect(await y.read(KEY, database.deferredLoad(), hydrate)).toEqual({
      value: { title: 'new' },
      hit: true,
    });
  });

  it('20 concurrent reads of a cold key make one load, and later reads are hits', async () => {
    const concurrency = 20;
    const reads = Array.from({ length: concurrency }, () =>
      x.read(KEY, database.deferredLoad(), hydrate),
    );
    await settle();
    expect(database.loads).toBe(1);
    database.releaseAll();
    for (const read of await Promise.all(reads)) {
      expect(read).toEqual({ value: { title: 'old' }, hit: false });
    }
    expect(await x.read(KEY, database.deferredLoad(), hydrate)).toEqual({
      value: { title: 'old' },
      hit: true,
    });
    expect(database.loads).toBe(1);
  });
});

describe('ResourceCache prefetched reads', () => {
  let store: SharedStore;
  let database: FakeDatabase;
  let x: ResourceCache;

  beforeEach(async () => {
    store = new SharedStore();
    database = new FakeDatabase();
    x = instanceOn(store);
    // The old row cached.
    const fill = x.read(KEY, database.deferredLoad(), hydrate);
    await settle();
    database.releaseAll();
    await fill;
  });

  it('serves a prefetched hit, from the reads sent before', async () => {
    const prefetch = x.prefetch([KEY]);
    expect(await x.read(KEY, database.deferredLoad(), hydrate, prefetch)).toEqual({
      value: { title: 'old' },
      hit: true,
    });
    expect(database.loads).toBe(1);
  });

  it('never serves a prefetched entry once the epoch came into doubt after it was sent', async () => {
    const prefetch = x.prefetch([KEY]);
    await settle();
    // A write on this instance commits, and its invalidation cannot reach the store.
    database.row = { title: 'new' };
    store.failing = 'writes';
    await x.invalidate([KEY]);
    const read = x.read(KEY, database.deferredLoad(), hydrate, prefetch);
    await settle();
    database.releaseAll();
    expect(await read).toEqual({ value: { title: 'new' }, hit: false });
  });

  it('reads from the database when the prefetch itself failed', async () => {
    database.row = { title: 'new' };
    store.failing = 'reads';
    const prefetch = x.prefetch([KEY]);
    store.failing = undefined;
    const read = x.read(KEY, database.deferredLoad(), hydrate, prefetch);
    await settle();
    database.releaseAll();
    expect(await read).toEqual({ value: { title: 'new' }, hit: false });
  });
});
