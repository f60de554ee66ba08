import type { FastifyReply } from 'fastify';

/**
 * Entity tags (RFC 9110, section 8.8.3) and the two preconditions this API honours, If-None-Match
 * on reads and If-Match on writes (sections 13.1.1 and 13.1.2): one parser and the comparisons.
 *
 * The service's tags are strong and derived from what identifies a representation, never from
 * hashing the serialised body: `"<kind>.<public id>.<version>[.<variant>]"`. The row's version
 * column moves on with every write; the variant tells apart the representations of one row
 * version that differ by viewer (see userEtagSubject). A tag reveals nothing the body does not:
 * the public id is in the body, and the version is a counter of writes.
 */

/** One entity tag of a request header; `opaque` keeps its double quotes. */
export interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** A parsed If-Match or If-None-Match: `*`, or the list of tags (empty when none was well formed). */
export type EntityTagCondition = '*' | readonly EntityTag[];

/**
 * The row versions a write accepts: any (`unconditional`: no If-Match, or `If-Match: *`), or
 * only `one-of` those listed. An empty list is a condition no version meets: the write answers
 * 412 whenever the resource exists.
 */
export type AcceptedVersions =
  | { readonly kind: 'unconditional' }
  | { readonly kind: 'one-of'; readonly versions: readonly number[] };

/** A write without a precondition. */
export const UNCONDITIONAL: AcceptedVersions = { kind: 'unconditional' };

/** What one of the service's tags names: the resource, and the viewer class where it matters. */
export interface EtagSubject {
  readonly kind: string;
  readonly id: string;
  readonly variant?: string;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text
const ENTITY_TAG = /(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/g;
const VERSION = /^[1-9][0-9]{0,9}$/;
/** The version column is a PostgreSQL integer: a larger number in a tag can match no row. */
const MAX_VERSION = 2_147_483_647;

/** `"<kind>.<id>.<version>[.<variant>]"`, a strong tag. */
export function formatEtag(subject: EtagSubject, version: number): string {
  const variant = subject.variant === undefined ? '' : `.${subject.variant}`;
  return `"${subject.kind}.${subject.id}.${version}${variant}"`;
}

/**
 * Parses an If-Match or If-None-Match header; undefined when it is absent. A list keeps the
 * well-formed tags and drops anything else, so a header with no valid tag matches nothing (and
 * a conditional write with it is refused rather than applied unconditionally).
 */
export function parseEntityTagCondition(
  value: string | string[] | undefined,
): EntityTagCondition | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.trim() === '*') return '*';
  return [...text.matchAll(ENTITY_TAG)].map((match) => ({
    weak: match[1] !== undefined,
    opaque: match[2],
  }));
}

/**
 * If-None-Match, weak comparison (RFC 9110, section 13.1.2): true when the header is `*` or names
 * the current tag, with or without `W/`; then a GET answers 304.
 */
export function noneMatchHits(condition: EntityTagCondition | undefined, current: string): boolean {
  if (condition === undefined) return false;
  if (condition === '*') return true;
  const opaque = current.startsWith('W/') ? current.slice(2) : current;
  return condition.some((tag) => tag.opaque === opaque);
}

/**
 * If-Match, strong comparison (RFC 9110, section 13.1.1): the versions of `subject` that the
 * header's strong tags name. A weak tag, or a tag of another resource or viewer class, names none.
 * `*` asks only that the resource exist, which the write finds out anyway: a missing resource is
 * 404 whatever the preconditions (section 13.2.1), so `*` makes the write unconditional.
 */
export function acceptedVersions(
  condition: EntityTagCondition | undefined,
  subject: EtagSubject,
): AcceptedVersions {
  if (condition === undefined || condition === '*') return UNCONDITIONAL;
  const prefix = `"${subject.kind}.${subject.id}.`;
  const suffix = subject.variant === undefined ? '"' : `.${subject.variant}"`;
  const versions = new Set<number>();
  for (const tag of condition) {
    // The id in a tag is a UUID, and UUIDs are case-insensitive: a tag with the id spelled in
    // upper case names the same resource (the kind and variant are lower case anyway).
    const opaque = tag.opaque.toLowerCase();
    if (tag.weak || !opaque.startsWith(prefix) || !opaque.endsWith(suffix)) continue;
    const version = opaque.slice(prefix.length, opaque.length - suffix.length);
    if (VERSION.test(version) && Number(version) <= MAX_VERSION) versions.add(Number(version));
  }
  return { kind: 'one-of', versions: [...versions] };
}

/** Whether a row at `version` satisfies the accepted versions (always, when unconditional). */
export function versionAccepted(accepted: AcceptedVersions, version: number): boolean {
  return accepted.kind === 'unconditional' || accepted.versions.includes(version);
}

/** Whether the write has a precondition (then a row that matched none failed it, or is gone). */
export function isConditional(accepted: AcceptedVersions): boolean {
  return accepted.kind === 'one-of';
}

/**
 * The accepted versions as the parameter of a statement's `($n::integer[] IS NULL OR version =
 * ANY($n::integer[]))`: null when unconditional.
 */
export function versionsParameter(accepted: AcceptedVersions): readonly number[] | null {
  return accepted.kind === 'unconditional' ? null : accepted.versions;
}

/**
 * Sets the ETag of the representation about to be sent; with an If-None-Match that matches it,
 * also turns the response into a 304 and returns true: the handler then sends no body.
 */
export function replyWithEtag(
  reply: FastifyReply,
  etag: string,
  ifNoneMatch?: EntityTagCondition,
): boolean {
  void reply.header('ETag', etag);
  if (!noneMatchHits(ifNoneMatch, etag)) return false;
  void reply.status(304);
  return true;
}
