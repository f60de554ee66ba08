import type { FastifyReply } from 'fastify';
import { ApiResponseHeader } from '../common/http/api-response-header.decorator.js';

/** `X-Cache: HIT|MISS` on cache-aside reads (API.md, Caching). */
export function setXCache(reply: FastifyReply, hit: boolean): void {
  void reply.header('X-Cache', hit ? 'HIT' : 'MISS');
}

/** X-Cache on the route's 200 and 304 responses, in the OpenAPI document. */
export function ApiXCache(): MethodDecorator {
  const header = {
    description: 'Whether the resource came from the cache (cache-aside)',
    required: true,
    schema: { type: 'string', enum: ['HIT', 'MISS'] },
  };
  return (target, key, descriptor) => {
    ApiResponseHeader(200, 'X-Cache', header)(target, key, descriptor);
    return ApiResponseHeader(304, 'X-Cache', header)(target, key, descriptor);
  };
}
