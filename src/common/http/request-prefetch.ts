import type { ExecutionContext } from '@nestjs/common';

/**
 * Sends the Redis reads a request will make (AccessTokenVerifier.start: the caller and the
 * route's cached resource) just before the first guard's rate-limit count, so that node-redis
 * writes them together: one round trip for every Redis command of a cached read.
 */
export interface RequestPrefetch {
  start(context: ExecutionContext): void;
}
export const REQUEST_PREFETCH = Symbol('REQUEST_PREFETCH');
