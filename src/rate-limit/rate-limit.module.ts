import { type ExecutionContext, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.js';
import { MetricsRegistryModule } from '../observability/metrics-registry.module.js';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection.js';
import { RedisModule } from '../redis/redis.module.js';
import { AUTH_RATE_LIMITED, SIGNUP_RATE_LIMITED } from './auth-rate-limit.decorator.js';
import { LoginAttempts } from './login-attempts.service.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { rateLimitKey } from './rate-limit-key.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** The metrics, and the per-account login limit the auth and users services use. */
@Module({
  imports: [RedisModule, MetricsRegistryModule],
  providers: [RateLimitMetrics, LoginAttempts],
  exports: [RateLimitMetrics, LoginAttempts],
})
class RateLimitMetricsModule {}

const notMarkedWith =
  (metadataKey: string) =>
  (context: ExecutionContext): boolean =>
    Reflect.getMetadata(metadataKey, context.getHandler()) !== true;

/**
 * Three limits per client IP over the same window: `default` on every throttled route, `auth`
 * on POST /auth/token and `signup` on POST /users as well. Counted in Redis when one is
 * configured (one budget for all instances), in process memory otherwise; with Redis failing, `auth`
 * and `signup` count in process memory (redis-throttler.storage.ts). The per-account login
 * limit is LoginAttempts.
 */
@Module({
  imports: [
    RateLimitMetricsModule,
    ThrottlerModule.forRootAsync({
      imports: [RedisModule, RateLimitMetricsModule],
      inject: [APP_CONFIG, REDIS_CONNECTION, RateLimitMetrics],
      useFactory: (config: AppConfig, redis: RedisConnection | null, metrics: RateLimitMetrics) => {
        const ttl = config.rateLimit.windowSeconds * 1000;
        return {
          throttlers: [
            { name: 'default', limit: config.rateLimit.max, ttl },
            {
              name: 'auth',
              limit: config.rateLimit.authMax,
              ttl,
              skipIf: notMarkedWith(AUTH_RATE_LIMITED),
            },
            {
              name: 'signup',
              limit: config.rateLimit.signupMax,
              ttl,
              skipIf: notMarkedWith(SIGNUP_RATE_LIMITED),
            },
          ],
          // request.ip is the socket address, or the X-Forwarded-For client only behind TRUST_PROXY.
          getTracker: (request) => (request as FastifyRequest).ip,
          generateKey: rateLimitKey,
          storage: redis
            ? new RedisThrottlerStorage(redis, config.redisKeyPrefix, metrics)
            : new MemoryThrottlerStorage(),
        };
      },
    }),
  ],
  exports: [RateLimitMetricsModule],
})
export class RateLimitModule {}
