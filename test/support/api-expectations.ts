import type { LightMyRequestResponse as InjectResponse } from 'fastify';

/**
 * Assertions on the HTTP contract of API.md (envelopes, representations, error bodies), shared by
 * the users, posts and errors suites.
 */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ISO 8601 in UTC, as JSON.stringify writes a Date: 2026-11-23T10:00:00.000Z */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const JSON_CONTENT_TYPE = /^application\/json; charset=utf-8$/i;

export const DEFAULT_SCOPES = ['users:read', 'users:write', 'posts:read', 'posts:write'];

/** A user as others see it. */
export const USER_PUBLIC_KEYS = ['created_at', 'id', 'name', 'updated_at'];
/** A user as they see themself. */
export const USER_PRIVATE_KEYS = [
  'created_at',
  'email',
  'email_verified',
  'id',
  'name',
  'scopes',
  'updated_at',
];
export const POST_KEYS = ['author_id', 'body', 'created_at', 'id', 'title', 'updated_at'];
export const META_KEYS = ['next_cursor', 'page', 'per_page', 'total'];

export interface UserBody {
  id: string;
  name: string;
  email?: string;
  email_verified?: boolean;
  scopes?: string[];
  created_at: string;
  updated_at: string;
}

export interface PostBody {
  id: string;
  author_id: string;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface PageMetaBody {
  page?: number;
  per_page: number;
  total: number;
  next_cursor: string | null;
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: { field: string; message: string }[];
  request_id: string;
}

/** The status, with the body shown on failure. */
export function expectStatus(response: InjectResponse, status: number): void {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status,
    body: expect.any(String),
  });
}

/** `{ data }` with the given status, served as JSON; returns `data`. */
export function expectData<T>(response: InjectResponse, status = 200): T {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status,
    body: expect.any(String),
  });
  expect(response.headers['content-type']).toMatch(JSON_CONTENT_TYPE);
  const body = response.json<{ data: T }>();
  expect(Object.keys(body)).toEqual(['data']);
  return body.data;
}

/** `{ data: [...], meta }` (200, offset mode); returns both. */
export function expectPage<T>(response: InjectResponse): { data: T[]; meta: PageMetaBody } {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status: 200,
    body: expect.any(String),
  });
  expect(response.headers['content-type']).toMatch(JSON_CONTENT_TYPE);
  const body = response.json<{ data: T[]; meta: PageMetaBody }>();
  expect(Object.keys(body).sort()).toEqual(['data', 'meta']);
  expect(Array.isArray(body.data)).toBe(true);
  expect(Object.keys(body.meta).sort()).toEqual(META_KEYS);
  return body;
}

/**
 * The error envelope of API.md: the status, its code, a non-empty message, and a request_id equal
 * to the X-Request-Id header; nothing else at the top level. Returns `error`.
 */
export function expectError(response: InjectResponse, status: number, code: string): ErrorBody {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status,
    body: expect.any(String),
  });
  expect(response.headers['content-type']).toMatch(JSON_CONTENT_TYPE);
  const body = response.json<{ error: ErrorBody }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  const requestId = response.headers['x-request-id'];
  expect(typeof requestId).toBe('string');
  expect(body.error.request_id).toBe(requestId);
  const allowed = code === 'VALIDATION_ERROR' ? ['code', 'details', 'message', 'request_id'] : null;
  if (allowed) expect(Object.keys(body.error).sort()).toEqual(allowed);
  return body.error;
}

/** 422 VALIDATION_ERROR; returns the failing field names, sorted (one entry per field). */
export function expectValidationError(response: InjectResponse): string[] {
  const error = expectError(response, 422, 'VALIDATION_ERROR');
  expect(Array.isArray(error.details)).toBe(true);
  for (const detail of error.details ?? []) {
    expect(Object.keys(detail).sort()).toEqual(['field', 'message']);
    expect(detail.message.length).toBeGreaterThan(0);
  }
  return (error.details ?? []).map((detail) => detail.field).sort();
}

/** 401 with `WWW-Authenticate: Bearer`. */
export function expectUnauthorized(response: InjectResponse): ErrorBody {
  const error = expectError(response, 401, 'UNAUTHORIZED');
  expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
  return error;
}

/** Exactly the keys of a user, as others see it or as they see themself. */
export function expectUser(user: UserBody, view: 'public' | 'private'): void {
  expect(Object.keys(user).sort()).toEqual(
    view === 'public' ? USER_PUBLIC_KEYS : USER_PRIVATE_KEYS,
  );
  expect(user.id).toMatch(UUID);
  expect(user.created_at).toMatch(ISO_UTC);
  expect(user.updated_at).toMatch(ISO_UTC);
}

export function expectPost(post: PostBody): void {
  expect(Object.keys(post).sort()).toEqual(POST_KEYS);
  expect(post.id).toMatch(UUID);
  expect(post.author_id).toMatch(UUID);
  expect(post.created_at).toMatch(ISO_UTC);
  expect(post.updated_at).toMatch(ISO_UTC);
}

/** A response body (success or error) must never carry these. */
export function expectNoSecrets(response: InjectResponse, ...secrets: string[]): void {
  for (const text of ['password', 'password_hash', '$argon2', ...secrets]) {
    expect(response.body).not.toContain(text);
  }
}
