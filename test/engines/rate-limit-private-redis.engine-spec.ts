import { expectStatus } from '../support/api-expectations.js';
import { signUp, SignedUpUser } from '../support/fixtures.js';
import {
  expectRateLimited,
  expectRateLimitHeaders,
  listPosts,
  nextIp,
  send,
} from '../support/rate-limit-requests.js';
import { PrivateRedis, startRedisServer, stopAllRedisServers } from '../support/redis-server.js';
import { type AppPair, createAppPair } from '../support/app-pair.js';
import { createTestApp, TestApp } from '../support/test-app.js';

/**
 * API.md, Rate limiting, the cases that need a Redis server of their own (a private
 * redis-server, test/support/redis-server.ts): one budget for all instances sharing a Redis, and
 * a Redis outage (killed, paused) lets requests through rather than failing them. The rest:
 * test/rate-limit.e2e-spec.ts. Every test sends from client addresses of its own (nextIp).
 */

afterAll(() => stopAllRedisServers());

describe('two instances sharing one Redis (same REDIS_KEY_PREFIX)', () => {
  const MAX = 4;
  let redis: PrivateRedis;
  let pair: AppPair;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    pair = await createAppPair(redis.url, {
      RATE_LIMIT_MAX: String(MAX),
      AUTH_RATE_LIMIT_MAX: '100',
    });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
    await redis?.stop();
  });

  it('share one budget per client', async () => {
    const user = await signUp(a);
    const ip = nextIp();
    const instances = [a, b, a, b];
    for (const [index, instance] of instances.entries()) {
      const response = await listPosts(instance, user, ip);
      expectStatus(response, 200);
      expectRateLimitHeaders(response, MAX, MAX - 1 - index);
    }
    expectRateLimited(await listPosts(a, user, ip));
    expectRateLimited(await listPosts(b, user, ip));
  });
});

describe('when the Redis of the rate limits is in trouble (a private redis-server per test)', () => {
  const MAX = 2;
  let redis: PrivateRedis | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await redis?.stop();
    t = undefined;
    redis = undefined;
  });

  /** An app counting in a private Redis; a client already over its budget there. */
  async function setUp() {
    redis = await startRedisServer();
    t = await createTestApp({
      REDIS_URL: redis.url,
      RATE_LIMIT_MAX: String(MAX),
      AUTH_RATE_LIMIT_MAX: '100',
    });
    const app = t;
    const user = await signUp(app);
    const limited = nextIp();
    for (let sent = 1; sent <= MAX; sent += 1)
      expectStatus(await listPosts(app, user, limited), 200);
    expectRateLimited(await listPosts(app, user, limited));
    return { app, redis, user, limited };
  }

  async function expectAnswered(app: TestApp, user: SignedUpUser, ips: string[]): Promise<void> {
    for (const ip of ips) {
      for (let i = 0; i < 2 * MAX + 1; i += 1) expectStatus(await listPosts(app, user, ip), 200);
    }
    const login = await send(app, {
      method: 'POST',
      url: '/auth/token',
      ip: ips[0],
      payload: { email: user.email, password: user.password },
    });
    expectStatus(login, 200);
  }

  it('killed: requests are let through (fail open), never 500', async () => {
    const { app, redis, user, limited } = await setUp();
    await redis.kill();
    await expectAnswered(app, user, [limited, nextIp()]);
  });

  it('paused: requests are let through (fail open), never 500', async () => {
    const { app, redis, user, limited } = await setUp();
    redis.pause();
    try {
      await expectAnswered(app, user, [limited, nextIp()]);
    } finally {
      redis.resume();
    }
  });
});
