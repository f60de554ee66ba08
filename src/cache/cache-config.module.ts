import KeyvRedis, { Keyv } from '@keyv/redis';
import { KeyvCacheableMemory } from '@cacheable/memory';
import { CacheModule } from '@nestjs/cache-manager';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.js';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection.js';
import { RedisModule } from '../redis/redis.module.js';

/** Bound on in-process cache entries (least recently used are dropped first). */
const MEMORY_CACHE_ENTRIES = 50_000;

/**
 * The Keyv store on the shared connection, which it uses but does not own: RedisModule connects
 * it and destroys it after the HTTP server has closed. Stock KeyvRedis would close it in
 * @nestjs/cache-manager's onModuleDestroy (before the drain; close() also waits for every pending
 * reply, so shutdown hung for good with a hung Redis), and would connect it again (or destroy it)
 * whenever it found it closed. Commands go to the connection's client of the moment: with
 * Sentinel that is the master followed now.
 */
class SharedClientKeyvRedis extends KeyvRedis<unknown> {
  constructor(
    protected readonly connection: RedisConnection,
    options: ConstructorParameters<typeof KeyvRedis<unknown>>[1],
  ) {
    super(connection.client, options);
  }

  override getClient(): ReturnType<KeyvRedis<unknown>['getClient']> {
    const client = this.clientNow();
    if (!client?.isOpen) return Promise.reject(new Error('The Redis client is closed'));
    return Promise.resolve(client as Awaited<ReturnType<KeyvRedis<unknown>['getClient']>>);
  }

  override disconnect(): Promise<void> {
    return Promise.resolve();
  }

  protected clientNow(): RedisConnection['client'] | undefined {
    return this.connection.client;
  }
}

/**
 * Sentinel: a write-only copy of every cache write to the demoted master, for the few seconds
 * after a failover in which other instances may still read from it (RedisConnection
 * previousMaster); a no-op otherwise. Best effort: the demoted master may already refuse
 * (READONLY), and then nobody reads from it any more either.
 */
class DemotedMasterKeyvRedis extends SharedClientKeyvRedis {
  protected override clientNow(): RedisConnection['client'] | undefined {
    return this.connection.previousMaster;
  }

  override async set(...args: Parameters<KeyvRedis<unknown>['set']>): Promise<void> {
    if (this.connection.previousMaster) await super.set(...args).catch(() => undefined);
  }

  override async setMany(...args: Parameters<KeyvRedis<unknown>['setMany']>): Promise<void> {
    if (this.connection.previousMaster) await super.setMany(...args).catch(() => undefined);
  }

  override get(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  override getMany(keys: string[]): Promise<undefined[]> {
    return Promise.resolve(keys.map(() => undefined));
  }
}

/**
 * The Redis key under which the Keyv store below keeps `key`: Keyv prefixes its namespace
 * (`prefix:`), then KeyvRedis, which Keyv gives the same namespace, its own (`prefix::`). For
 * ResourceCache's reads, which go to the client directly (ResourceCache.getMany);
 * test/engines/cache-encoding.engine-spec.ts holds this and storedValue to the store.
 */
export function storedKey(namespace: string, key: string): string {
  return namespace ? `${namespace}::${namespace}:${key}` : key;
}

/**
 * A value as the Keyv store below wrote it (`{"value":…,"expires":…}`, JSON), or undefined when
 * absent or past its `expires` (as Keyv reads it; Redis drops it at the same time, by PX).
 */
export function storedValue(raw: string | null | undefined): unknown {
  if (typeof raw !== 'string') return undefined;
  const data = JSON.parse(raw) as { value?: unknown; expires?: unknown } | null;
  if (data === null || data === undefined) return undefined;
  if (typeof data.expires === 'number' && Date.now() > data.expires) return undefined;
  return data.value;
}

function redisKeyv(store: KeyvRedis<unknown>, config: AppConfig): Keyv {
  return new Keyv({
    store,
    namespace: config.redisKeyPrefix,
    throwOnErrors: true,
    // Entries are plain JSON (representations, generations): Keyv's default deserialiser runs a
    // reviver over every value to restore Buffers, 3.4% of a cache hit in the profile, and
    // escapes strings that start with ":" (docs/benchmarks.md).
    serialize: JSON.stringify,
    deserialize: JSON.parse,
  });
}

function redisStores(redis: RedisConnection, config: AppConfig): Keyv[] {
  const options = { throwOnErrors: true, throwOnConnectError: true };
  const stores = [redisKeyv(new SharedClientKeyvRedis(redis, options), config)];
  if (redis.mode === 'sentinel') {
    stores.push(redisKeyv(new DemotedMasterKeyvRedis(redis, options), config));
  }
  return stores;
}

/**
 * cache-manager on a Keyv store: Redis (shared by all instances) when one is configured (REDIS_URL,
 * REDIS_SENTINELS or REDIS_CLUSTER_NODES), an LRU in process memory otherwise. The Redis store
 * throws on errors so that ResourceCache sees a failed invalidation instead of a silent no-op.
 */
export const CacheConfigModule = CacheModule.registerAsync({
  imports: [RedisModule],
  inject: [APP_CONFIG, REDIS_CONNECTION],
  useFactory: (config: AppConfig, redis: RedisConnection | null) => ({
    ttl: config.cacheTtlSeconds * 1000,
    // ResourceCache reads the first store only; cache-manager writes to every store.
    stores: redis
      ? redisStores(redis, config)
      : [new Keyv({ store: new KeyvCacheableMemory({ lruSize: MEMORY_CACHE_ENTRIES }) })],
  }),
});
