import type { Page, PageMeta } from '../pagination/page.js';

/**
 * The success envelopes of API.md: `{ data }` and `{ data, meta }`. Controllers return them
 * themselves rather than through a global interceptor: with any interceptor Nest runs every
 * handler through rxjs observables, which cost a fifth of a /health request and 8% of a cached
 * read on this stack (docs/benchmarks.md). A 304 or 204 returns undefined (no body).
 */
export interface DataEnvelope<T> {
  data: T;
}

export interface ListEnvelope<T> {
  data: T[];
  meta: PageMeta;
}

export function envelope<T>(data: T): DataEnvelope<T> {
  return { data };
}

export function listEnvelope<T>(page: Page<T>): ListEnvelope<T> {
  return { data: page.items, meta: page.meta };
}
