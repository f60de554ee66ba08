import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { REDIS_CONNECTION, type RedisConnection, redisScript } from '../redis/redis-connection.js';
import { REDIS_COMMAND_TIMEOUT_MS, withTimeout } from '../redis/with-timeout.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { WINDOW_COUNT_SCRIPT } from './window-count.script.js';

/** Give an attempt back, only within a window that still exists (never below zero). */
const RELEASE_SCRIPT = redisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
`);

/** 429 for an account over its failed-login budget; Retry-After is set by whoever answers. */
export class AccountRateLimitedException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many failed logins for this account; retry later', HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** One attempt counted against an account, to settle once the password has been checked. */
export interface LoginAttempt {
  /** The password was right: the attempt is given back (only failures count). */
  succeeded(): Promise<void>;
}

/**
 * Failed credential checks per account (AUTH_ACCOUNT_RATE_LIMIT_MAX per window, whatever the
 * client address): logins, and the current_password of a credential change.
 *
 * Each attempt is counted before the password is verified and given back when it was right, so
 * that guesses sent at once cannot all slip in before the first failure is counted (a check
 * followed by a count after the verification would let every concurrent guess through). The
 * account is named by a SHA-256 of its normalised email: no address in Redis, and unknown emails
 * are counted alike (no hint of which exist). Counted in Redis when one is configured; when
 * Redis fails, in this instance's memory: never unlimited. Written here rather than on the
 * throttler because the throttler counts requests by client before the body is parsed, and this
 * counts by a body field, with a give-back the throttler has no notion of.
 */
@Injectable()
export class LoginAttempts {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new MemoryThrottlerStorage();
  private readonly max: number;
  private readonly windowMs: number;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | null,
    private readonly metrics: RateLimitMetrics,
  ) {
    this.max = config.rateLimit.accountMax;
    this.windowMs = config.rateLimit.windowSeconds * 1000;
  }

  /** Counts an attempt on `email`'s account; throws AccountRateLimitedException over budget. */
  async begin(email: string): Promise<LoginAttempt> {
    const key = `account:${createHash('sha256').update(email).digest('hex')}`;
    const shared = this.redis ? await this.reserveInRedis(this.redis, key) : null;
    const { hits, msLeft } = shared ?? this.reserveLocally(key);
    if (hits > this.max) {
      this.metrics.rejected('account');
      throw new AccountRateLimitedException(Math.max(1, Math.ceil(msLeft / 1000)));
    }
    return {
      succeeded: () =>
        shared && this.redis ? this.releaseInRedis(this.redis, key) : this.releaseLocally(key),
    };
  }

  private async reserveInRedis(
    redis: RedisConnection,
    key: string,
  ): Promise<{ hits: number; msLeft: number } | null> {
    try {
      const reply = await withTimeout(
        // One key per script, so in a Redis Cluster it runs on the node that owns the counter.
        redis.eval(WINDOW_COUNT_SCRIPT, this.redisKey(key), [String(this.windowMs)]),
        REDIS_COMMAND_TIMEOUT_MS,
        'login attempt count',
      );
      const [hits, msLeft] = reply as [number, number];
      return { hits, msLeft };
    } catch (error) {
      redis.commandFailed(error as Error);
      this.logger.warn(`account login limit counted per instance: ${(error as Error).message}`);
      this.metrics.countedLocally('account');
      return null;
    }
  }

  private async releaseInRedis(redis: RedisConnection, key: string): Promise<void> {
    try {
      await withTimeout(
        redis.eval(RELEASE_SCRIPT, this.redisKey(key), []),
        REDIS_COMMAND_TIMEOUT_MS,
        'login attempt release',
      );
    } catch {
      // The success still counts as an attempt: stricter, never looser.
    }
  }

  private reserveLocally(key: string): { hits: number; msLeft: number } {
    return this.local.count(key, this.windowMs);
  }

  private releaseLocally(key: string): Promise<void> {
    this.local.decrement(key);
    return Promise.resolve();
  }

  private redisKey(key: string): string {
    return `${this.config.redisKeyPrefix}:rate-limit:${key}`;
  }
}

/** `work`, with Retry-After on the reply if it fails with AccountRateLimitedException. */
export async function answeringRetryAfter<T>(reply: FastifyReply, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof AccountRateLimitedException) {
      void reply.header('Retry-After', error.retryAfterSeconds);
    }
    throw error;
  }
}
