import { isUUID } from 'class-validator';

/**
 * The one spelling of a public id this service uses everywhere (cache keys, ownership, token
 * liveness, SQL, ETags, Location): a UUID in its 8-4-4-4-12 hex form, lower case. UUIDs are
 * case-insensitive (RFC 9562), so `ABC...` and `abc...` are the same id; any other spelling
 * PostgreSQL would also read as a UUID (braces, no hyphens, `urn:uuid:`) is not an id of this
 * API. Returns null for anything that is not a UUID.
 */
export function canonicalUuid(value: unknown): string | null {
  return typeof value === 'string' && isUUID(value) ? value.toLowerCase() : null;
}

/**
 * Canonicalises `params.id` in place, where the router put it, so that everything after the
 * router (guards, pipes, handlers, interceptors) sees one form. A value that is not a UUID is
 * left as it is, for the owner guard and the id pipe to answer 404 in their turn (after the
 * token is checked, so an anonymous caller still gets 401).
 */
export function canonicalisePathId(params: unknown): void {
  const holder = params as { id?: unknown } | undefined;
  if (typeof holder?.id !== 'string') return;
  const canonical = canonicalUuid(holder.id);
  if (canonical !== null) holder.id = canonical;
}
