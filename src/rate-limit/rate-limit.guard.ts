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
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { throttlerOfKey } from './rate-limit-key.js';

/**
 * The throttler, first among the global guards. Adds what the stock guard lacks: a plain
 * `Retry-After` on every 429 (the stock guard names it `Retry-After-auth` for the auth limit)
 * and a rejection count for /metrics. The client is `request.ip`, which honours TRUST_PROXY.
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

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('Retry-After', detail.timeToBlockExpire);
    this.metrics.rejected(throttlerOfKey(detail.key));
    return super.throwThrottlingException(context, detail);
  }
}
