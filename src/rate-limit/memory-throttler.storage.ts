import type { ThrottlerStorage } from '@nestjs/throttler';

/** The throttler's storage record (its type is not exported by the package's index). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  resetAt: number;
}

/**
 * Fixed-window counters in process memory (no REDIS_URL). Unlike the throttler's default store,
 * which keeps a setTimeout per hit, expired windows are swept lazily, at most once per window.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private lastSweep = Date.now();

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const { hits, msLeft } = this.count(key, ttl);
    return Promise.resolve(toRecord(hits, msLeft, limit));
  }

  /** Counts a hit in the window of `key` (`ttl` ms long): the hits so far and the time left. */
  count(key: string, ttl: number): { hits: number; msLeft: number } {
    const now = Date.now();
    this.sweep(now, ttl);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + ttl };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return { hits: window.hits, msLeft: window.resetAt - now };
  }

  /** Gives one hit of the current window back (a login attempt that turned out to succeed). */
  decrement(key: string): void {
    const window = this.windows.get(key);
    if (window && window.resetAt > Date.now() && window.hits > 0) window.hits -= 1;
  }

  private sweep(now: number, ttl: number): void {
    if (now - this.lastSweep < ttl) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(key);
    }
  }
}

/** The throttler's record for a fixed window; times in seconds, as the guard expects. */
export function toRecord(hits: number, msLeft: number, limit: number): ThrottlerStorageRecord {
  const secondsLeft = Math.max(1, Math.ceil(msLeft / 1000));
  const blocked = hits > limit;
  return {
    totalHits: hits,
    timeToExpire: secondsLeft,
    isBlocked: blocked,
    timeToBlockExpire: blocked ? secondsLeft : 0,
  };
}
