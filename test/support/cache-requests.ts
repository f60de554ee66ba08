import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { bearer } from './fixtures.js';
import type { TestApp } from './test-app.js';
import { within } from './within.js';

/**
 * Reads and writes of the cached resources (GET and PATCH /users/:id and /posts/:id) under the
 * hang detector, and what their answers say about the cache (X-Cache), shared by the cache
 * suites: test/cache.e2e-spec.ts and test/engines/cache-private-redis.engine-spec.ts.
 */

export function xCache(response: InjectResponse): unknown {
  return response.headers['x-cache'];
}

/** The data of a 200, checked to be one; shows the body on failure. */
export function ok<T>(response: InjectResponse): T {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status: 200,
    body: expect.any(String),
  });
  return response.json<{ data: T }>().data;
}

export function expectNotFound(response: InjectResponse): void {
  const body = response.json<{ error?: { code?: string } }>();
  expect({ status: response.statusCode, code: body.error?.code }).toEqual({
    status: 404,
    code: 'NOT_FOUND',
  });
}

/** A request with `token`, failed by the hang detector if it takes too long. */
function send(
  t: TestApp,
  method: 'GET' | 'PATCH',
  url: string,
  token: string,
  payload?: Record<string, unknown>,
): Promise<InjectResponse> {
  return within(t.request({ method, url, headers: bearer(token), payload }), `${method} ${url}`);
}

export const getPost = (t: TestApp, id: string, token: string) =>
  send(t, 'GET', `/posts/${id}`, token);
export const getUser = (t: TestApp, id: string, token: string) =>
  send(t, 'GET', `/users/${id}`, token);
export const patchPost = (
  t: TestApp,
  id: string,
  token: string,
  payload: Record<string, unknown>,
) => send(t, 'PATCH', `/posts/${id}`, token, payload);
export const patchUser = (
  t: TestApp,
  id: string,
  token: string,
  payload: Record<string, unknown>,
) => send(t, 'PATCH', `/users/${id}`, token, payload);

/**
 * Reads until the answer is a HIT (the cache is in use again), checking every answer on the way
 * with `check`; fails if no HIT comes within `ms` (a hang detector, not a speed requirement).
 */
export async function readUntilHit(
  read: () => Promise<InjectResponse>,
  check: (response: InjectResponse) => void,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await read();
    check(response);
    if (xCache(response) === 'HIT') return;
    if (Date.now() > deadline) throw new Error(`no X-Cache: HIT within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
