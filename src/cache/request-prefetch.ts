import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CachePrefetch } from './resource-cache.service.js';

/** Route metadata: the cache key of the resource the route's `:id` names. */
export const PREFETCHED_RESOURCE = 'cache:prefetched-resource';

/** The cache key of the resource with this (canonical) id: the feature's own key builder. */
export type ResourceKeyOf = (id: string) => string;

/**
 * The route reads the resource its `:id` names through ResourceCache (in the handler, or in its
 * owner rule): the first guard sends that read with the request's other Redis commands (one
 * round trip, docs/architecture.md); the handler takes it with @CachePrefetchOf(), the owner
 * guard passes it to the rule.
 */
export const PrefetchedResource = (keyOf: ResourceKeyOf): MethodDecorator =>
  SetMetadata(PREFETCHED_RESOURCE, keyOf);

/** The request's prefetched cache reads, if any were sent. */
export type PrefetchingRequest = FastifyRequest & { cachePrefetch?: CachePrefetch };

/** The request's prefetched cache reads (undefined: none; ResourceCache then reads on use). */
export const CachePrefetchOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): CachePrefetch | undefined =>
    context.switchToHttp().getRequest<PrefetchingRequest>().cachePrefetch,
);
