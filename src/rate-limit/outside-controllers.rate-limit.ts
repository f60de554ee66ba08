import type { INestApplication } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { refuseOverBudget, setRateLimitHeaders } from './rate-limit-answer.js';
import { rateLimitKey } from './rate-limit-key.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';

/**
 * The general budget for requests that never reach a controller, and so never the throttler's
 * guard: unknown routes (Fastify's 404) and the routes SwaggerUI registers directly on Fastify
 * (/docs, its assets, /docs-json: 130 KB a request). API.md exempts only the probes, so these
 * count against the same per-client budget, with the same headers and 429, through the same
 * storage and key as the guard.
 */
export interface OutsideControllersRateLimit {
  /** Whether the guards will not see this request, so that this counts it. */
  appliesTo(request: FastifyRequest): boolean;
  /** Counts it; the refusal to answer with when it is over the budget. */
  count(request: FastifyRequest, reply: FastifyReply): Promise<Error | undefined>;
}

export function outsideControllersRateLimit(
  app: INestApplication,
  config: AppConfig,
  docsPaths: readonly string[],
): OutsideControllersRateLimit {
  const storage = app.get<ThrottlerStorage>(ThrottlerStorage);
  const metrics = app.get(RateLimitMetrics);
  const limit = config.rateLimit.max;
  const ttl = config.rateLimit.windowSeconds * 1000;
  const isDocsRoute = (url: string | undefined): boolean =>
    url !== undefined && docsPaths.some((path) => url === path || url.startsWith(`${path}/`));
  return {
    appliesTo: (request) => request.is404 || isDocsRoute(request.routeOptions.url),
    async count(request, reply) {
      // The guard's key for the general limit (rate-limit-key.ts); the context is not used.
      const key = rateLimitKey(undefined as never, request.ip, 'default');
      const record = await storage.increment(key, ttl, limit, ttl, 'default');
      const standing = { limit, remaining: limit - record.totalHits, reset: record.timeToExpire };
      if (!record.isBlocked) {
        setRateLimitHeaders(reply, standing);
        return undefined;
      }
      metrics.rejected('default');
      return refuseOverBudget(reply, standing, record.timeToBlockExpire);
    },
  };
}
