import { resourceKey } from '../cache/cache-keys.js';

/** The cache key of a live user (`user:<public id>`), for every writer that invalidates it. */
export function userCacheKey(publicId: string): string {
  return resourceKey('user', publicId);
}
