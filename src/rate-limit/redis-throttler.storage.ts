import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisConnection } from '../redis/redis-connection.js';
import { REDIS_COMMAND_TIMEOUT_MS, withTimeout } from '../redis/with-timeout.js';
import {
  MemoryThrottlerStorage,
  toRecord,
  type ThrottlerStorageRecord,
} from './memory-throttler.storage.js';
import type { RateLimitMetrics } from './rate-limit-metrics.js';
import { WINDOW_COUNT_SCRIPT } from './window-count.script.js';

/**
 * The limits that guard credentials (logins, sign-ups): when Redis fails they are counted in
 * this instance's memory instead, never let through. A budget per instance is looser than one
 * for all, but bounded: password guessing must not become unlimited during a Redis outage.
 */
export const NEVER_FAIL_OPEN: ReadonlySet<string> = new Set(['auth', 'signup']);

/**
 * Fixed-window counters in Redis, shared by every instance. Written here rather than taken from
 * @nest-lab/throttler-storage-redis, whose peers stop at Nest 11, which answers 500 when Redis is
 * down and which disconnects in onModuleDestroy, before the shutdown drain. When Redis fails or
 * is slow, the `default` limit fails open (the request is allowed, logged and counted), and the
 * NEVER_FAIL_OPEN ones count in process memory.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private lastWarning = 0;
  private readonly local = new MemoryThrottlerStorage();

  constructor(
    private readonly redis: RedisConnection,
    private readonly keyPrefix: string,
    private readonly metrics: RateLimitMetrics,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const reply = await withTimeout(
        // One key per script, so in a Redis Cluster it runs on the node that owns the counter.
        this.redis.eval(WINDOW_COUNT_SCRIPT, `${this.keyPrefix}:rate-limit:${key}`, [String(ttl)]),
        REDIS_COMMAND_TIMEOUT_MS,
        'rate-limit increment',
      );
      const [hits, msLeft] = reply as [number, number];
      return toRecord(hits, msLeft, limit);
    } catch (error) {
      this.redis.commandFailed(error as Error);
      this.warnOncePerWindow(error as Error, ttl);
      if (NEVER_FAIL_OPEN.has(throttlerName)) {
        this.metrics.countedLocally(throttlerName);
        return this.local.increment(key, ttl, limit);
      }
      this.metrics.failedOpen();
      return toRecord(0, ttl, limit);
    }
  }

  private warnOncePerWindow(error: Error, ttl: number): void {
    const now = Date.now();
    if (now - this.lastWarning < ttl) return;
    this.lastWarning = now;
    this.logger.warn(
      `rate-limit store unavailable (the default limit fails open, the auth limits count per instance): ${error.message}`,
    );
  }
}
