import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { expectStatus } from './api-expectations.js';
import { bearer, SignedUpUser } from './fixtures.js';
import type { TestApp } from './test-app.js';
import { within } from './within.js';

/**
 * Requests from client addresses of their own and the assertions on rate-limit answers
 * (X-RateLimit-* headers, 429 RATE_LIMITED with Retry-After), shared by the rate-limit suites:
 * test/rate-limit.e2e-spec.ts and test/engines/rate-limit-private-redis.engine-spec.ts.
 */

export const WINDOW_SECONDS = 60;

let lastOctet = 0;
/** A client address no other test uses. */
export function nextIp(): string {
  lastOctet += 1;
  return `203.0.113.${lastOctet}`;
}

export interface SendOptions {
  method?: 'GET' | 'POST';
  url: string;
  ip: string;
  headers?: Record<string, string>;
  payload?: Record<string, unknown>;
}

export function send(t: TestApp, options: SendOptions): Promise<InjectResponse> {
  const method = options.method ?? 'GET';
  return within(
    t.request({
      method,
      url: options.url,
      headers: options.headers,
      payload: options.payload,
      remoteAddress: options.ip,
    }),
    `${method} ${options.url} from ${options.ip}`,
  );
}

/** An ordinary throttled read as `user`. */
export function listPosts(
  t: TestApp,
  user: SignedUpUser,
  ip: string,
  extra: Record<string, string> = {},
) {
  return send(t, { url: '/posts?per_page=1', ip, headers: { ...bearer(user.token), ...extra } });
}

/** The X-RateLimit-* headers of a throttled route: limit, what is left, seconds to the reset. */
export function expectRateLimitHeaders(
  response: InjectResponse,
  limit: number,
  remaining: number,
): void {
  expect({
    limit: response.headers['x-ratelimit-limit'],
    remaining: response.headers['x-ratelimit-remaining'],
  }).toEqual({ limit: String(limit), remaining: String(remaining) });
  const reset = Number(response.headers['x-ratelimit-reset']);
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThanOrEqual(1);
  expect(reset).toBeLessThanOrEqual(WINDOW_SECONDS);
}

/** 429 with the error envelope (code RATE_LIMITED) and Retry-After in whole seconds. */
export function expectRateLimited(response: InjectResponse): void {
  expectStatus(response, 429);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json<{ error: { code: string; message: string; request_id: string } }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual(
    expect.objectContaining({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/\S/),
      request_id: response.headers['x-request-id'],
    }),
  );
  const retryAfter = response.headers['retry-after'];
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
}
