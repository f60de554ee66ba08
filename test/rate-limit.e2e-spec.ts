import { expectStatus } from './support/api-expectations.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import {
  expectRateLimited,
  expectRateLimitHeaders,
  listPosts,
  nextIp,
  send,
  type SendOptions,
  WINDOW_SECONDS,
} from './support/rate-limit-requests.js';
import { createTestApp, TestApp } from './support/test-app.js';

/**
 * API.md, Rate limiting: RATE_LIMIT_MAX requests per window per client IP on every throttled
 * route together, AUTH_RATE_LIMIT_MAX more strictly on POST /auth/token, X-RateLimit-* headers,
 * 429 RATE_LIMITED with Retry-After, /health and /ready never throttled, the client IP from
 * X-Forwarded-For only behind TRUST_PROXY. One budget for all instances sharing a Redis, and a
 * Redis outage letting requests through rather than failing them (a redis-server of its own):
 * test/engines/rate-limit-private-redis.engine-spec.ts.
 *
 * Every test sends from client addresses of its own (inject's remoteAddress), so that budgets
 * never carry over between tests; the fixtures sign up from 127.0.0.1.
 */

describe('rate limits (the configured store: in process, or TEST_REDIS_URL)', () => {
  const MAX = 5;
  const AUTH_MAX = 3;
  let t: TestApp;
  let user: SignedUpUser;
  let post: { id: string };

  /** POST /auth/token with the user's credentials, from `ip`. */
  const logIn = (ip: string) =>
    send(t, {
      method: 'POST',
      url: '/auth/token',
      ip,
      payload: { email: user.email, password: user.password },
    });

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_MAX: String(MAX),
      AUTH_RATE_LIMIT_MAX: String(AUTH_MAX),
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
    user = await signUp(t); // 2 of 127.0.0.1's budget
    post = await createPost(t, user); // 3
  });
  afterAll(() => t.close());

  it('a throttled route sends X-RateLimit-Limit/Remaining/Reset; past RATE_LIMIT_MAX it answers 429 RATE_LIMITED with Retry-After', async () => {
    const ip = nextIp();
    for (let sent = 1; sent <= MAX; sent += 1) {
      const response = await listPosts(t, user, ip);
      expectStatus(response, 200);
      expectRateLimitHeaders(response, MAX, MAX - sent);
    }
    expectRateLimited(await listPosts(t, user, ip));
    expectRateLimited(await listPosts(t, user, ip));

    // The budget is the client's: another address is untouched.
    const other = await listPosts(t, user, nextIp());
    expectStatus(other, 200);
    expectRateLimitHeaders(other, MAX, MAX - 1);
  });

  it('a 429 carries the exhausted budget: X-RateLimit-Limit, Remaining 0, Reset, and a plain message', async () => {
    const ip = nextIp();
    for (let sent = 1; sent <= MAX; sent += 1) expectStatus(await listPosts(t, user, ip), 200);
    const refused = await listPosts(t, user, ip);
    expectRateLimited(refused);
    expectRateLimitHeaders(refused, MAX, 0);
    const message = refused.json<{ error: { message: string } }>().error.message;
    expect(message).toMatch(/^Too many requests/);
    expect(message).not.toMatch(/Throttler/i);
  });

  it("an auth 429 shows the auth budget's numbers, not the general budget's", async () => {
    const ip = nextIp();
    const login = () => logIn(ip);
    for (let sent = 1; sent <= AUTH_MAX; sent += 1) {
      const response = await login();
      expectStatus(response, 200);
      expect({
        limit: response.headers['x-ratelimit-limit-auth'],
        remaining: response.headers['x-ratelimit-remaining-auth'],
      }).toEqual({ limit: String(AUTH_MAX), remaining: String(AUTH_MAX - sent) });
    }
    const refused = await login();
    expectRateLimited(refused);
    expectRateLimitHeaders(refused, AUTH_MAX, 0);
    expect(refused.headers['x-ratelimit-remaining-auth']).toBe('0');
    expect(refused.json<{ error: { message: string } }>().error.message).toMatch(
      /^Too many requests/,
    );
  });

  it('POST /auth/token has its own, stricter budget (AUTH_RATE_LIMIT_MAX)', async () => {
    const ip = nextIp();
    const login = () => logIn(ip);
    for (let sent = 1; sent <= AUTH_MAX; sent += 1) {
      const response = await login();
      expectStatus(response, 200);
      expect(response.json<{ data: { access_token: string } }>().data.access_token).toEqual(
        expect.any(String),
      );
    }
    // Refused even with the right password, while the general budget still has room.
    expectRateLimited(await login());
    expectStatus(await listPosts(t, user, ip), 200);

    // Another client can still log in.
    const elsewhere = await send(t, {
      method: 'POST',
      url: '/auth/token',
      ip: nextIp(),
      payload: { email: user.email, password: user.password },
    });
    expectStatus(elsewhere, 200);
  });

  it('one budget per client IP across different routes', async () => {
    const ip = nextIp();
    const auth = bearer(user.token);
    const requests: SendOptions[] = [
      { url: '/posts?per_page=1', ip, headers: auth },
      { url: `/users/${user.id}`, ip, headers: auth },
      { url: `/posts/${post.id}`, ip, headers: auth },
      { url: '/auth/me', ip, headers: auth },
      { url: `/users/${user.id}/posts`, ip, headers: auth },
    ];
    expect(requests).toHaveLength(MAX);
    for (const [index, request] of requests.entries()) {
      const response = await send(t, request);
      expectStatus(response, 200);
      expectRateLimitHeaders(response, MAX, MAX - 1 - index);
    }
    // The next request, on any route, is over the budget; a failed login counts too.
    expectRateLimited(await send(t, { url: '/users?per_page=1', ip, headers: auth }));
    expectRateLimited(
      await send(t, {
        method: 'POST',
        url: '/auth/token',
        ip,
        payload: { email: user.email, password: 'not the password' },
      }),
    );
  });

  it('/health and /ready are never throttled, and do not use up the budget', async () => {
    const ip = nextIp();
    for (let i = 0; i < 4 * MAX; i += 1) {
      for (const url of ['/health', '/ready']) {
        const response = await send(t, { url, ip });
        expectStatus(response, 200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
    const response = await listPosts(t, user, ip);
    expectStatus(response, 200);
    expectRateLimitHeaders(response, MAX, MAX - 1);
  });

  it('without TRUST_PROXY a spoofed X-Forwarded-For does not change the bucket', async () => {
    const ip = nextIp();
    for (let sent = 1; sent <= MAX; sent += 1) {
      const response = await listPosts(t, user, ip, { 'x-forwarded-for': `198.51.100.${sent}` });
      expectStatus(response, 200);
      expectRateLimitHeaders(response, MAX, MAX - sent);
    }
    expectRateLimited(await listPosts(t, user, ip, { 'x-forwarded-for': '198.51.100.99' }));
  });
});

describe('routes outside the controllers: /docs, /docs-json and unknown routes', () => {
  const MAX = 4;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      DOCS_ENABLED: 'true',
      RATE_LIMIT_MAX: String(MAX),
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });
  afterAll(() => t.close());

  it.each([
    ['/docs', 200],
    ['/docs-json', 200],
    ['/no-such-route', 404],
    ['/users/not-a-route/at/all', 404],
  ])(
    '%s is counted and sends X-RateLimit-*; past the budget it answers 429',
    async (url, status) => {
      const ip = nextIp();
      for (let sent = 1; sent <= MAX; sent += 1) {
        const response = await send(t, { url, ip });
        expectStatus(response, status);
        expectRateLimitHeaders(response, MAX, MAX - sent);
      }
      const refused = await send(t, { url, ip });
      expectRateLimited(refused);
      expectRateLimitHeaders(refused, MAX, 0);
    },
  );

  it("they share the budget of the controllers' routes", async () => {
    const ip = nextIp();
    for (let sent = 1; sent < MAX; sent += 1) {
      expectStatus(await send(t, { url: '/no-such-route', ip }), 404);
    }
    // The last request of the budget on a controller route, then the next anywhere is over it.
    expectRateLimitHeaders(await send(t, { url: '/auth/me', ip }), MAX, 0);
    expectRateLimited(await send(t, { url: '/docs-json', ip }));
  });

  it('/health, /ready and /metrics stay exempt', async () => {
    const ip = nextIp();
    for (let i = 0; i < 2 * MAX; i += 1) {
      for (const url of ['/health', '/ready', '/metrics']) {
        const response = await send(t, { url, ip });
        expectStatus(response, 200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });
});

describe('behind a trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
  const MAX = 3;
  let t: TestApp;
  let user: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp({
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_MAX: String(MAX),
      AUTH_RATE_LIMIT_MAX: '100',
    });
    user = await signUp(t); // from the proxy itself, without X-Forwarded-For
  });
  afterAll(() => t.close());

  it('the client named by X-Forwarded-For has a budget of its own', async () => {
    const proxy = '127.0.0.1';
    const first = { 'x-forwarded-for': '198.51.100.1' };
    for (let sent = 1; sent <= MAX; sent += 1) {
      const response = await listPosts(t, user, proxy, first);
      expectStatus(response, 200);
      expectRateLimitHeaders(response, MAX, MAX - sent);
    }
    expectRateLimited(await listPosts(t, user, proxy, first));

    // Another client behind the same proxy is not affected.
    const second = await listPosts(t, user, proxy, { 'x-forwarded-for': '198.51.100.2' });
    expectStatus(second, 200);
    expectRateLimitHeaders(second, MAX, MAX - 1);
  });

  it('X-Forwarded-For from an address that is not a trusted proxy is ignored', async () => {
    const ip = nextIp();
    for (let sent = 1; sent <= MAX; sent += 1) {
      const response = await listPosts(t, user, ip, {
        'x-forwarded-for': `198.51.100.${50 + sent}`,
      });
      expectStatus(response, 200);
      expectRateLimitHeaders(response, MAX, MAX - sent);
    }
    expectRateLimited(await listPosts(t, user, ip, { 'x-forwarded-for': '198.51.100.99' }));
  });
});
