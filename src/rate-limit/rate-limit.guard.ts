import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { refuseOverBudget, setRateLimitHeaders } from './rate-limit-answer.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { throttlerOfKey } from './rate-limit-key.js';

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
  ) {
    super(options, storage, reflector);
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
