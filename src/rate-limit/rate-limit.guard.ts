import { ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants.js';
import type { FastifyReply } from 'fastify';
import { refuseOverBudget, setRateLimitHeaders } from './rate-limit-answer.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { throttlerOfKey } from './rate-limit-key.js';
import { REQUEST_PREFETCH, type RequestPrefetch } from '../common/http/request-prefetch.js';
import { perRoute } from '../common/route-metadata.js';

/** One limit as it applies to a route. */
type RouteLimit = Pick<
  Parameters<ThrottlerGuard['handleRequest']>[0],
  'limit' | 'ttl' | 'blockDuration' | 'throttler' | 'getTracker' | 'generateKey'
>;

/** A route setting the throttler takes as a number (a function of the request is not one). */
function fixed(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * The throttler, first among the global guards. Adds what the stock guard lacks on a 429: the
 * exhausted budget's `X-RateLimit-*` (the stock guard throws before it sets them, and on the
 * auth limit the unsuffixed ones would still show the general budget), a plain `Retry-After`
 * (the stock guard names it `Retry-After-auth` for the auth limit), a readable message and a
 * rejection count for /metrics. The client is `request.ip`, which honours TRUST_PROXY.
 * Routes outside the controllers are counted by outside-controllers.rate-limit.ts.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: RateLimitMetrics,
    @Optional() @Inject(REQUEST_PREFETCH) private readonly prefetch?: RequestPrefetch,
  ) {
    super(options, storage, reflector);
  }

  /**
   * The limits of each route, read from its metadata once. The stock guard runs ten Reflector
   * look-ups and awaits per limit on every request; this one takes the same settings (a route's
   * @Throttle/@SkipThrottle, else the module's) and counts as it does, one limit after another.
   * The skipIf of rate-limit.module.ts depends on the handler only. A setting given as a function
   * of the request leaves the route to the stock guard.
   */
  private readonly limitsOf = perRoute((handler, target): RouteLimit[] | null => {
    const limits: RouteLimit[] = [];
    const read = (key: string, name: string): unknown =>
      this.reflector.getAllAndOverride(key + name, [handler, target]);
    for (const throttler of this.throttlers) {
      const name = throttler.name ?? 'default';
      if (read(THROTTLER_SKIP, name)) continue;
      const limit = fixed(read(THROTTLER_LIMIT, name) ?? throttler.limit);
      const ttl = fixed(read(THROTTLER_TTL, name) ?? throttler.ttl);
      const block = fixed(read(THROTTLER_BLOCK_DURATION, name) ?? throttler.blockDuration ?? ttl);
      if (limit === undefined || ttl === undefined || block === undefined) return null;
      limits.push({
        throttler,
        limit,
        ttl,
        blockDuration: block,
        getTracker: (read(THROTTLER_TRACKER, name) ??
          throttler.getTracker ??
          this.commonOptions.getTracker) as RouteLimit['getTracker'],
        generateKey: (read(THROTTLER_KEY_GENERATOR, name) ??
          throttler.generateKey ??
          this.commonOptions.generateKey) as RouteLimit['generateKey'],
      });
    }
    return limits;
  });

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    this.prefetch?.start(context);
    const limits = this.limitsOf(context);
    if (!limits) return super.canActivate(context);
    for (const limit of limits) {
      const skipIf = limit.throttler.skipIf ?? this.commonOptions.skipIf;
      if (skipIf?.(context)) continue;
      await this.handleRequest({ context, ...limit });
    }
    return true;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const throttler = throttlerOfKey(detail.key);
    const standing = { limit: detail.limit, remaining: 0, reset: detail.timeToExpire };
    if (throttler !== 'default') setRateLimitHeaders(reply, standing, `-${throttler}`);
    this.metrics.rejected(throttler);
    return Promise.reject(refuseOverBudget(reply, standing, detail.timeToBlockExpire));
  }
}
