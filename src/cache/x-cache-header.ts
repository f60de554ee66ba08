import type { FastifyReply } from 'fastify';

/** `X-Cache: HIT|MISS` on cache-aside reads (API.md, Caching). */
export function setXCache(reply: FastifyReply, hit: boolean): void {
  void reply.header('X-Cache', hit ? 'HIT' : 'MISS');
}
