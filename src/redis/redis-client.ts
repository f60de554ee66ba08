import { createClient } from '@keyv/redis';

export type RedisClient = ReturnType<typeof createClient>;

/** Injection token: the shared Redis client, or null when REDIS_URL is unset. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/**
 * One client for the cache and the rate limiter, configured to fail fast: no offline queue
 * (a command while disconnected fails at once instead of waiting for a reconnect that may never
 * come), a short connect timeout, and reconnection in the background with capped back-off.
 * Commands on a connected but hung server are bounded by the callers' own timeouts.
 */
export function createRedisClient(url: string): RedisClient {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  });
}
