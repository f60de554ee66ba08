import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { expectError } from './support/api-expectations.js';
import { bearer, signUp, SignedUpUser } from './support/fixtures.js';
import {
  PrivateRedis,
  startRedisServer,
  stopAllRedisServers,
  within,
} from './support/redis-server.js';
import { createTestApp, TestApp } from './support/test-app.js';

/**
 * Issue 17, Login limits: failed logins per account email whatever the address
 * (AUTH_ACCOUNT_RATE_LIMIT_MAX), without touching other accounts from the same address; the auth
 * limits never fail open (with Redis gone they count per instance); sign-ups have a stricter
 * budget (SIGNUP_RATE_LIMIT_MAX) than reads.
 */

let lastOctet = 0;
/** A client address no other test uses. */
function nextIp(): string {
  lastOctet += 1;
  return `192.0.2.${lastOctet}`;
}

function loginFrom(
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

function expectStatus(response: InjectResponse, status: number): void {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status,
    body: expect.any(String),
  });
}

function expectRateLimited(response: InjectResponse): void {
  expectError(response, 429, 'RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
}

const WRONG = 'not the password, a guess';

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

describe('with the Redis of the limits killed, the auth limits count per instance (never unlimited)', () => {
  let redis: PrivateRedis | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await redis?.stop();
    t = undefined;
    redis = undefined;
  });
  afterAll(() => stopAllRedisServers());

  async function setUp(env: Record<string, string>): Promise<{ app: TestApp; user: SignedUpUser }> {
    redis = await startRedisServer();
    t = await createTestApp({ REDIS_URL: redis.url, RATE_LIMIT_MAX: '1000', ...env });
    const user = await signUp(t);
    await redis.kill();
    return { app: t, user };
  }

  it('AUTH_RATE_LIMIT_MAX per client IP', async () => {
    const { app, user } = await setUp({
      AUTH_RATE_LIMIT_MAX: '3',
      AUTH_ACCOUNT_RATE_LIMIT_MAX: '1000',
    });
    const ip = nextIp();
    for (let sent = 1; sent <= 3; sent += 1) {
      expectStatus(await loginFrom(app, ip, user.email, user.password), 200);
    }
    expectRateLimited(await loginFrom(app, ip, user.email, user.password));
    expectStatus(await loginFrom(app, nextIp(), user.email, user.password), 200);
  });

  it('AUTH_ACCOUNT_RATE_LIMIT_MAX per account', async () => {
    const { app, user } = await setUp({
      AUTH_RATE_LIMIT_MAX: '1000',
      AUTH_ACCOUNT_RATE_LIMIT_MAX: '3',
    });
    for (let failed = 1; failed <= 3; failed += 1) {
      expectStatus(await loginFrom(app, nextIp(), user.email, WRONG), 401);
    }
    expectRateLimited(await loginFrom(app, nextIp(), user.email, user.password));
  });

  it('SIGNUP_RATE_LIMIT_MAX per client IP', async () => {
    const { app } = await setUp({ AUTH_RATE_LIMIT_MAX: '1000', SIGNUP_RATE_LIMIT_MAX: '2' });
    const ip = nextIp();
    const signUpFrom = () =>
      within(
        app.request({
          method: 'POST',
          url: '/users',
          remoteAddress: ip,
          payload: { email: `k-${randomUUID()}@example.com`, name: 'K', password: 'correct horse' },
        }),
        'sign-up',
      );
    expectStatus(await signUpFrom(), 201);
    expectStatus(await signUpFrom(), 201);
    expectRateLimited(await signUpFrom());
  });
});
