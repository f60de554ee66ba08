import { randomUUID } from 'node:crypto';
import { expectError, expectStatus } from './support/api-expectations.js';
import { bearer, signUp } from './support/fixtures.js';
import { expectRateLimited, loginFrom, nextIp, WRONG } from './support/login-limit-requests.js';
import { createTestApp, TestApp } from './support/test-app.js';

/**
 * Issue 17, Login limits: failed logins per account email whatever the address
 * (AUTH_ACCOUNT_RATE_LIMIT_MAX), without touching other accounts from the same address; sign-ups
 * have a stricter budget (SIGNUP_RATE_LIMIT_MAX) than reads. The auth limits never fail open (with
 * Redis gone they count per instance): test/engines/login-limits-private-redis.engine-spec.ts.
 */

describe('failed logins per account (AUTH_ACCOUNT_RATE_LIMIT_MAX=3)', () => {
  const ACCOUNT_MAX = 3;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_MAX: '1000',
      AUTH_RATE_LIMIT_MAX: '1000',
      AUTH_ACCOUNT_RATE_LIMIT_MAX: String(ACCOUNT_MAX),
    });
  });
  afterAll(() => t.close());

  it('counts failures whatever the address; then even the right password is 429', async () => {
    const user = await signUp(t);
    for (let failed = 1; failed <= ACCOUNT_MAX; failed += 1) {
      expectStatus(await loginFrom(t, nextIp(), user.email, WRONG), 401);
    }
    expectRateLimited(await loginFrom(t, nextIp(), user.email, WRONG));
    expectRateLimited(await loginFrom(t, nextIp(), user.email, user.password));
    // The same account in another spelling of its email.
    expectRateLimited(
      await loginFrom(t, nextIp(), `  ${user.email.toUpperCase()} `, user.password),
    );
  });

  it('a limited account does not limit other accounts from the same address', async () => {
    const victim = await signUp(t);
    const neighbour = await signUp(t);
    const ip = nextIp();
    for (let failed = 1; failed <= ACCOUNT_MAX; failed += 1) {
      expectStatus(await loginFrom(t, ip, victim.email, WRONG), 401);
    }
    expectRateLimited(await loginFrom(t, ip, victim.email, victim.password));
    expectStatus(await loginFrom(t, ip, neighbour.email, neighbour.password), 200);
  });

  it('successful logins are not counted', async () => {
    const user = await signUp(t);
    for (let i = 0; i < ACCOUNT_MAX + 2; i += 1) {
      expectStatus(await loginFrom(t, nextIp(), user.email, user.password), 200);
    }
    for (let failed = 1; failed <= ACCOUNT_MAX; failed += 1) {
      expectStatus(await loginFrom(t, nextIp(), user.email, WRONG), 401);
    }
    expectRateLimited(await loginFrom(t, nextIp(), user.email, user.password));
  });

  it('an unknown email is limited alike (no hint that it does not exist)', async () => {
    const email = `nobody-${randomUUID()}@example.com`;
    for (let failed = 1; failed <= ACCOUNT_MAX; failed += 1) {
      expectStatus(await loginFrom(t, nextIp(), email, WRONG), 401);
    }
    expectRateLimited(await loginFrom(t, nextIp(), email, WRONG));
  });

  it('many guesses at once are still bounded by the limit', async () => {
    const user = await signUp(t);
    const answers = await Promise.all(
      Array.from({ length: 3 * ACCOUNT_MAX }, () => loginFrom(t, nextIp(), user.email, WRONG)),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(ACCOUNT_MAX);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * ACCOUNT_MAX);
  });

  it('a wrong current_password on a credential change counts as a failed login', async () => {
    const user = await signUp(t);
    for (let failed = 1; failed <= ACCOUNT_MAX; failed += 1) {
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { password: 'a new password here', current_password: WRONG },
      });
      expectError(response, 403, 'FORBIDDEN');
    }
    expectRateLimited(await loginFrom(t, nextIp(), user.email, user.password));
  });
});

describe('sign-ups (SIGNUP_RATE_LIMIT_MAX=2) are stricter than reads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_MAX: '50', SIGNUP_RATE_LIMIT_MAX: '2' });
  });
  afterAll(() => t.close());

  it('the third sign-up from one address in a window is 429; reads from it still pass', async () => {
    const reader = await signUp(t); // from 127.0.0.1
    const ip = nextIp();
    const signUpFrom = () =>
      t.request({
        method: 'POST',
        url: '/users',
        remoteAddress: ip,
        payload: { email: `s-${randomUUID()}@example.com`, name: 'S', password: 'correct horse' },
      });
    expectStatus(await signUpFrom(), 201);
    expectStatus(await signUpFrom(), 201);
    expectRateLimited(await signUpFrom());
    const read = await t.request({
      method: 'GET',
      url: '/posts',
      remoteAddress: ip,
      headers: bearer(reader.token),
    });
    expectStatus(read, 200);
    // Another address may still sign up.
    const elsewhere = await t.request({
      method: 'POST',
      url: '/users',
      remoteAddress: nextIp(),
      payload: { email: `s-${randomUUID()}@example.com`, name: 'S', password: 'correct horse' },
    });
    expectStatus(elsewhere, 201);
  });
});
