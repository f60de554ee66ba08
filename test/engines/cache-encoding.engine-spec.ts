import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { storedKey, storedValue } from '../../src/cache/cache-config.module.js';
import {
  REDIS_CONNECTION,
  type RedisConnection,
  type RedisNodeClient,
} from '../../src/redis/redis-connection.js';
import {
  type PrivateRedis,
  startRedisServer,
  stopAllRedisServers,
} from '../support/redis-server.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * ResourceCache reads entries and generations through the Redis client directly, in the names
 * and encoding of the Keyv store that cache-manager writes them through (storedKey, storedValue).
 * Those mirror Keyv and @keyv/redis by hand: this suite holds them to the store as the
 * application configures it, so that an upgrade of either package that changes them fails here
 * rather than turn every read into a miss.
 */
describe('the cache entries read beside Keyv', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let keyv: Cache['stores'][number];
  let client: RedisNodeClient;
  let prefix: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    t = await createTestApp({ REDIS_URL: redis.url });
    keyv = t.app.get<Cache>(CACHE_MANAGER).stores[0];
    client = t.app.get<RedisConnection>(REDIS_CONNECTION).client as RedisNodeClient;
    prefix = t.config.redisKeyPrefix;
  });
  afterAll(async () => {
    await t?.close();
    await stopAllRedisServers();
  });

  it('reads under storedKey, with storedValue, what the Keyv store wrote', async () => {
    const value = { gen: 'g', epoch: 'e', value: { name: 'Ada', created_at: '2026-11-23' } };
    await keyv.set('user:written-by-keyv', value, 60_000);
    const raw = await client.get(storedKey(prefix, 'user:written-by-keyv'));
    expect(storedValue(raw)).toEqual(value);
    const ttl = await client.pTTL(storedKey(prefix, 'user:written-by-keyv'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('reads an entry past its expiry as absent, as Keyv does', async () => {
    const expired = JSON.stringify({ value: { gone: true }, expires: Date.now() - 1 });
    await client.set(storedKey(prefix, 'user:expired'), expired);
    expect(storedValue(await client.get(storedKey(prefix, 'user:expired')))).toBeUndefined();
    expect(await keyv.get('user:expired')).toBeUndefined();
    expect(storedValue(null)).toBeUndefined();
  });
});
