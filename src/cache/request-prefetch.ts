import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CachePrefetch } from './resource-cache.service.js';

/** Route metadata: the handler reads the cached resource named by its `:id` (`user`, `post`). */
export const PREFETCHED_RESOURCE = 'cache:prefetched-resource';

/**
 * The handler reads `<kind>:<id>` through ResourceCache: the first guard sends that read with
 * the request's other Redis commands (one round trip, docs/architecture.md), and the handler
 * takes it with @CachePrefetchOf().
 */
export const PrefetchedResource = (kind: 'user' | 'post'): MethodDecorator =>
  SetMetadata(PREFETCHED_RESOURCE, kind);

/** The request's prefetched cache reads, if any were sent. */
export type PrefetchingRequest = FastifyRequest & { cachePrefetch?: CachePrefetch };

/** The request's prefetched cache reads (undefined: none; ResourceCache then reads on use). */
export const CachePrefetchOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): CachePrefetch | undefined =>
    context.switchToHttp().getRequest<PrefetchingRequest>().cachePrefetch,
);
