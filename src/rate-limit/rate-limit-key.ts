import type { ExecutionContext } from '@nestjs/common';

/**
 * One budget per limit and client across all routes (`default:203.0.113.7`): the throttler's
 * stock key is per route, which would give each client 100 requests per route.
 */
export function rateLimitKey(
  _context: ExecutionContext,
  tracker: string,
  throttler: string,
): string {
  return `${throttler}:${tracker}`;
}

export function throttlerOfKey(key: string): string {
  return key.slice(0, key.indexOf(':'));
}
