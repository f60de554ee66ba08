import { randomUUID } from 'node:crypto';
import { expectStatus } from '../support/api-expectations.js';
import { signUp, SignedUpUser } from '../support/fixtures.js';
import { expectRateLimited, loginFrom, nextIp, WRONG } from '../support/login-limit-requests.js';
import { PrivateRedis, startRedisServer, stopAllRedisServers } from '../support/redis-server.js';
import { createTestApp, TestApp } from '../support/test-app.js';
import { within } from '../support/within.js';

/**
 * Issue 17, Login limits, with the Redis of the limits gone (a private redis-server, killed,
 * test/support/redis-server.ts): the auth limits never fail open, they count per instance. The
 * rest: test/login-limits.e2e-spec.ts.
 */

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
