import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.js';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection.js';
import { AUTH_RATE_LIMITED } from './auth-rate-limit.decorator.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { rateLimitKey } from './rate-limit-key.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

@Global()
@Module({
  providers: [RateLimitMetrics],
  exports: [RateLimitMetrics],
})
class RateLimitMetricsModule {}

/**
 * Two limits per client IP over the same window: `default` on every throttled route, and `auth`
 * on POST /auth/token as well. Counted in Redis when one is configured (one budget for all
 * instances), in process memory otherwise.
 */
@Module({
  imports: [
    RateLimitMetricsModule,
    ThrottlerModule.forRootAsync({
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
              skipIf: (context) =>
                Reflect.getMetadata(AUTH_RATE_LIMITED, context.getHandler()) !== true,
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
