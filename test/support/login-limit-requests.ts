import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { expectError } from './api-expectations.js';
import type { TestApp } from './test-app.js';
import { within } from './within.js';

/**
 * Logins and sign-ups from client addresses of their own and the 429 of the auth limits, shared
 * by the login-limit suites: test/login-limits.e2e-spec.ts and
 * test/engines/login-limits-private-redis.engine-spec.ts.
 */

let lastOctet = 0;
/** A client address no other test uses. */
export function nextIp(): string {
  lastOctet += 1;
  return `192.0.2.${lastOctet}`;
}

export function loginFrom(
  t: TestApp,
  ip: string,
  email: string,
  password: string,
): Promise<InjectResponse> {
  return within(
    t.request({
      method: 'POST',
      url: '/auth/token',
      remoteAddress: ip,
      payload: { email, password },
    }),
    `login from ${ip}`,
  );
}

/** 429 RATE_LIMITED with Retry-After in whole seconds. */
export function expectRateLimited(response: InjectResponse): void {
  expectError(response, 429, 'RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
}

/** A wrong password. */
export const WRONG = 'not the password, a guess';
