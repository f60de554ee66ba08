import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import type { TestApp } from './test-app.js';

/**
 * Sign-ups with an Idempotency-Key, shared by the idempotency suites:
 * test/idempotency.e2e-spec.ts and test/engines/idempotency-private-redis.engine-spec.ts.
 */

/** A valid sign-up body for `email`. */
export function signUpBody(email: string): Record<string, string> {
  return { email, name: 'Idem Potent', password: 'password-123' };
}

/** POST /users with an Idempotency-Key, from `remoteAddress` if given. */
export function signUpWithKey(
  app: TestApp,
  key: string,
  payload: Record<string, string>,
  remoteAddress?: string,
): Promise<InjectResponse> {
  return app.request({
    method: 'POST',
    url: '/users',
    remoteAddress,
    headers: { 'idempotency-key': key },
    payload,
  });
}
