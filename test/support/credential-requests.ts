import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { expectData } from './api-expectations.js';
import { bearer } from './fixtures.js';
import type { TestApp } from './test-app.js';

/**
 * Logins, token refreshes, GET /auth/me and PATCH /users/:id, and the admin the suites bootstrap,
 * shared by the credential suites: test/credentials.e2e-spec.ts and
 * test/engines/credentials-private-redis.engine-spec.ts.
 */

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin password for the credentials suite';
export const NEW_PASSWORD = 'a brand new password';

export interface TokenBody {
  access_token: string;
  refresh_token: string;
  scope: string;
}

export function login(t: TestApp, email: string, password: string): Promise<InjectResponse> {
  return t.request({ method: 'POST', url: '/auth/token', payload: { email, password } });
}

export async function loginOk(t: TestApp, email: string, password: string): Promise<TokenBody> {
  return expectData<TokenBody>(await login(t, email, password));
}

export function me(t: TestApp, token: string): Promise<InjectResponse> {
  return t.request({ method: 'GET', url: '/auth/me', headers: bearer(token) });
}

export function refresh(t: TestApp, refreshToken: string): Promise<InjectResponse> {
  return t.request({
    method: 'POST',
    url: '/auth/refresh',
    payload: { refresh_token: refreshToken },
  });
}

export function patchUser(
  t: TestApp,
  id: string,
  token: string,
  payload: Record<string, unknown>,
): Promise<InjectResponse> {
  return t.request({ method: 'PATCH', url: `/users/${id}`, headers: bearer(token), payload });
}
