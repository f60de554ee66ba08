import { randomUUID } from 'node:crypto';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import {
  REDIS_CONNECTION,
  type RedisConnection,
  type RedisNodeClient,
} from '../redis/redis-connection.js';
import { MASTER_CHANGE_DISTRUST_MS } from '../redis/sentinel-connection.js';
import { REDIS_COMMAND_TIMEOUT_MS, withTimeout } from '../redis/with-timeout.js';
import { storedKey, storedValue } from './cache-config.module.js';
import { cacheKeys, type CacheKeys } from './cache-keys.js';
import { CacheMetrics } from './cache-metrics.js';

/** What a cached entry carries besides the value: the generations it was read under. */
interface Entry<T> {
  gen: string;
  epoch: string;
  value: T;
}

export interface CacheRead<T> {
  value: T;
  hit: boolean;
}

/** What a reader reads before deciding hit or miss: null when the cache cannot be trusted now. */
type Tags<T = unknown> = { entry?: Entry<T>; gen: string; epoch: string } | null;

/**
 * One request's cache reads, sent before its guards run (ResourceCache.prefetch): key (`user:{id}`)
 * to the entry, generation and epoch read for it. Per request, never shared between requests: a
 * read made before a request arrived must never answer it.
 */
export interface CachePrefetch {
  readonly reads: ReadonlyMap<string, Promise<Tags>>;
  /** ResourceCache's count of epoch doubts when the reads were sent. */
  readonly doubts: number;
}

/**
 * Entries are checked against the epoch under this key, so its name versions the entry format:
 * instances that store entries differently (v2: plain JSON, see cache-config.module.ts) never take
 * each other's entries for hits during a rolling deployment.
 */
const EPOCH_KEY = 'cache-epoch-v2';
const NONE = '-';
const EPOCH_RETRY_MS = 500;

/**
 * Cache-aside for single resources (`user:{id}`, `post:{id}`) that never serves a value older
 * than a write that has returned.
 *
 * Each key has a generation (`gen:{key}`), replaced with a fresh random token after every write
 * commits. A reader reads the generation together with the entry (one MGET; in a Redis Cluster
 * both share the resource's hash slot, see cache-keys.ts), loads from the
 * database on a miss, and stores the row tagged with the generation it read *before* loading.
 * An entry is a hit only while its generation is still current, so the classic race (a reader
 * loads the old row, the writer commits and invalidates, the reader then stores the old row) leaves
 * an entry that is never served. Generations outlive entries (twice the TTL), so an expired
 * generation cannot resurrect an old entry.
 *
 * If an invalidation cannot reach Redis, the cache-wide epoch is replaced as soon as Redis
 * answers again (retried in the background, and before any hit is served), which turns every
 * older entry into a miss. The instance whose invalidation failed may be gone by then (and a
 * Redis that restarts from disk, or a promoted replica, brings the old entries and generations
 * back), so every instance that loses its connection to Redis does the same before it serves a
 * hit again. After a Sentinel failover the renewal waits until no instance can still be writing
 * to the demoted master (MASTER_CHANGE_DISTRUST_MS). The epoch lives on one slot of a cluster, so
 * there it is read with a GET of its own, sent with the entry's MGET. Every Redis call has a short timeout: a slow or hung Redis costs a request at most
 * that, then the database answers.
 *
 * Concurrent misses on one key in this instance share one database load (single flight), but only
 * among readers that saw the same generation and epoch: a load is keyed by all three. A write on
 * any instance replaces the generation before it returns, so a reader that starts after it can
 * never join a load that began before it (and store that load's older row under the newer
 * generation), whichever instance the write went to. A reader that could not read the tags
 * (Redis failing) loads on its own and stores nothing.
 */
@Injectable()
export class ResourceCache implements OnApplicationShutdown {
  private readonly logger = new Logger(ResourceCache.name);
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly ttlMs: number;
  private epochStale = false;
  /** How many times the epoch came into doubt: a prefetch sent before the last doubt is not used. */
  private doubts = 0;
  /** Before this time (ms) the epoch is not renewed: a failover is still settling. */
  private distrustUntil = 0;
  private readonly cluster: boolean;
  /** The Keyv behind cache-manager, read directly: cache-manager's mget swallows errors. */
  private readonly store: Keyv;
  private readonly namespace: string;
  private epochRetry?: NodeJS.Timeout;
  private shutDown = false;

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @InjectConfig() config: AppConfig,
    private readonly metrics: CacheMetrics,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | null,
  ) {
    this.ttlMs = config.cacheTtlSeconds * 1000;
    this.cluster = redis?.mode === 'cluster';
    this.store = cache.stores[0];
    this.namespace = config.redisKeyPrefix;
    // Emitted when a connection drops and on every failed reconnection attempt.
    redis?.on('lost', () => this.markEpochStale());
    redis?.on('master-changed', () => {
      this.distrustUntil = Date.now() + MASTER_CHANGE_DISTRUST_MS;
      this.markEpochStale();
    });
  }

  /**
   * The value under `key`, from the cache or else from `load` (null: not found, not cached).
   * `hydrate` rebuilds a value that went through the store's serialisation.
   */
  async read<T>(
    key: string,
    load: () => Promise<T | null>,
    hydrate: (cached: T) => T,
    prefetch?: CachePrefetch,
  ): Promise<CacheRead<T> | null> {
    const keys = cacheKeys(key, this.cluster);
    // A prefetched read was sent after this request arrived, so it is as fresh as one sent now
    // would be for the no-stale-read promise: a write that returned before the request began
    // had replaced the generation before it; one that returns later is concurrent with this
    // request, and either order is a correct answer. If the epoch came into doubt since it was
    // sent (a lost connection, a failed invalidation, a failover), it is read again instead,
    // after renewal, even if the epoch has been renewed meanwhile.
    let tags: Tags<T> | undefined;
    if (prefetch && prefetch.doubts === this.doubts && !this.epochStale) {
      const read = (await prefetch.reads.get(key)) as Tags<T> | undefined;
      if (prefetch.doubts === this.doubts) tags = read;
    }
    if (tags === undefined) tags = await this.readTags<T>(keys);
    if (tags?.entry && tags.entry.gen === tags.gen && tags.entry.epoch === tags.epoch) {
      this.metrics.hit(key);
      return { value: hydrate(tags.entry.value), hit: true };
    }
    this.metrics.miss(key);
    const value = tags ? await this.loadOnce(flightKey(key, tags), load) : await load();
    if (value !== null && tags) {
      // Tagged with what this reader saw before the load began, which is what the shared load
      // was keyed by: never a generation newer than the load.
      const entry: Entry<T> = { gen: tags.gen, epoch: tags.epoch, value };
      await this.attempt(this.cache.set(keys.entry, entry, this.ttlMs), 'cache fill');
    }
    return value === null ? null : { value, hit: false };
  }

  /** Call after the write's transaction has committed, before the write's response leaves. */
  async invalidate(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const list = keys.map((key) => ({
      key: cacheKeys(key, this.cluster).generation,
      value: randomUUID(),
      ttl: 2 * this.ttlMs,
    }));
    const stored = await this.attempt(this.cache.mset(list), 'invalidation');
    if (!stored) this.markEpochStale();
  }

  onApplicationShutdown(): void {
    this.shutDown = true;
    clearInterval(this.epochRetry);
  }

  /**
   * Starts the reads of `keys` for one request, all in one round trip: without a cluster one
   * MGET of every entry and generation and the epoch; in a cluster one MGET per resource (entry
   * and generation share its slot) and a GET of the epoch (its own slot), sent together, so one
   * round trip's time but one command per node. Nothing (read on use) while the epoch is in doubt.
   * Failures are reported here once; each read then goes to the database, as readTags' would.
   */
  prefetch(keys: readonly string[]): CachePrefetch | undefined {
    if (this.epochStale || keys.length === 0) return undefined;
    const unique = [...new Set(keys)];
    const names = unique.map((key) => cacheKeys(key, this.cluster));
    const replies: Promise<unknown[]> = this.cluster
      ? Promise.all([
          ...names.map((name) => this.getMany([name.entry, name.generation])),
          this.getMany([EPOCH_KEY]),
        ]).then((parts) => parts.flat())
      : this.getMany([...names.flatMap((n) => [n.entry, n.generation]), EPOCH_KEY]);
    const read = withTimeout(replies, REDIS_COMMAND_TIMEOUT_MS, 'cache read').then(
      (values) => values,
      (error: Error) => {
        this.readFailed(error);
        return null;
      },
    );
    const reads = new Map(
      unique.map((key, index) => [
        key,
        read.then(
          (values) => values && toTags(values[2 * index], values[2 * index + 1], values.at(-1)),
        ),
      ]),
    );
    return { reads, doubts: this.doubts };
  }

  /** Entry, generation and epoch in one round trip; null when the cache cannot be trusted now. */
  private async readTags<T>(keys: CacheKeys): Promise<Tags<T>> {
    if (this.epochStale && !(await this.renewEpoch())) return null;
    try {
      const [entry, gen, epoch] = await withTimeout(
        this.cluster
          ? Promise.all([
              this.getMany([keys.entry, keys.generation]),
              this.getMany([EPOCH_KEY]),
            ]).then((parts) => parts.flat())
          : this.getMany([keys.entry, keys.generation, EPOCH_KEY]),
        REDIS_COMMAND_TIMEOUT_MS,
        'cache read',
      );
      return toTags<T>(entry, gen, epoch);
    } catch (error) {
      this.readFailed(error as Error);
      return null;
    }
  }

  /**
   * The values of `keys` (in a cluster: keys of one hash slot), in one MGET. With Redis, from
   * the connection's client directly, with the Keyv store's key names and encoding
   * (cache-config.module.ts): Keyv's getMany awaits each row's deserialisation and runs its
   * hooks and prefixing on every read, work a cache hit otherwise spends on every request.
   * Errors reject (counted by the caller), as the Keyv store's do with throwOnErrors.
   */
  private getMany(keys: string[]): Promise<unknown[]> {
    if (!this.redis) return this.store.getMany<unknown>(keys);
    const client = this.redis.client as RedisNodeClient;
    return client
      .mGet(keys.map((key) => storedKey(this.namespace, key)))
      .then((values) => values.map(storedValue));
  }

  private readFailed(error: Error): void {
    this.metrics.error();
    this.redis?.commandFailed(error);
    this.logger.warn(`cache read failed, using the database: ${error.message}`);
  }

  /** One load per flight key (resource, generation and epoch) at a time in this instance. */
  private loadOnce<T>(flight: string, load: () => Promise<T | null>): Promise<T | null> {
    const running = this.inflight.get(flight) as Promise<T | null> | undefined;
    if (running) return running;
    const loading = load().finally(() => this.inflight.delete(flight));
    this.inflight.set(flight, loading);
    return loading;
  }

  private markEpochStale(): void {
    this.epochStale = true;
    this.doubts += 1;
    if (this.shutDown) return;
    this.epochRetry ??= setInterval(() => {
      // While disconnected every command fails at once: wait for the reconnection, quietly.
      if (this.redis && !this.redis.isReady) return;
      void this.renewEpoch();
    }, EPOCH_RETRY_MS).unref();
  }

  private async renewEpoch(): Promise<boolean> {
    if (Date.now() < this.distrustUntil) return false;
    const renewed = await this.attempt(
      this.cache.set(EPOCH_KEY, randomUUID(), 4 * this.ttlMs),
      'epoch renewal',
    );
    if (renewed && this.epochStale) {
      this.epochStale = false;
      clearInterval(this.epochRetry);
      this.epochRetry = undefined;
      this.logger.log('cache epoch renewed after a failed invalidation or a lost connection');
    }
    return renewed;
  }

  private async attempt(work: Promise<unknown>, what: string): Promise<boolean> {
    try {
      await withTimeout(work, REDIS_COMMAND_TIMEOUT_MS, what);
      return true;
    } catch (error) {
      this.metrics.error();
      this.redis?.commandFailed(error as Error);
      this.logger.warn(`${what} failed: ${(error as Error).message}`);
      return false;
    }
  }
}

function toTags<T>(entry: unknown, gen: unknown, epoch: unknown): Tags<T> {
  return {
    entry: entry as Entry<T> | undefined,
    gen: typeof gen === 'string' ? gen : NONE,
    epoch: typeof epoch === 'string' ? epoch : NONE,
  };
}

/** Generations and epochs are UUIDs or NONE, so a space cannot occur inside either part. */
function flightKey(key: string, tags: { gen: string; epoch: string }): string {
  return `${key} ${tags.gen} ${tags.epoch}`;
}
