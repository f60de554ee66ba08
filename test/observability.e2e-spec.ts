import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { UsersService } from '../src/users/users.service.js';
import { LogCapture, flushed } from './support/log-capture.js';
import { bearer, createPost, signUp } from './support/fixtures.js';
import { createTestApp, TestApp } from './support/test-app.js';

// nestjs-pino keeps one root logger per process: the capturing app is created first.
describe('observability', () => {
  const logs = new LogCapture();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ LOG_LEVEL: 'info' }, undefined, { logDestination: logs });
  });
  afterAll(() => t.close());

  describe('request logs', () => {
    it('writes one JSON line per request with method, route template, status, duration and request id', async () => {
      const user = await signUp(t);
      const response = await t.request({
        method: 'GET',
        url: `/users/${user.id}`,
        headers: { ...bearer(user.token), 'x-request-id': 'obs-line-1' },
      });
      expect(response.statusCode).toBe(200);
      await flushed();

      const lines = logs.requestLines('obs-line-1');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        method: 'GET',
        route: '/users/:id',
        status: 200,
        request_id: 'obs-line-1',
        msg: 'GET /users/:id 200',
      });
      expect(typeof lines[0].duration_ms).toBe('number');
      // The route template, never the raw URL with the id in it, is the route.
      expect(lines[0].route).not.toContain(user.id);
    });

    it('answers GET /health as every route: the envelope, the same headers as /ready, counted in the metrics', async () => {
      const healthCount = async (): Promise<number> => {
        const metrics = await t.request({ method: 'GET', url: '/metrics' });
        const line = /http_requests_total\{method="GET",route="\/health",status="200"\} (\d+)/.exec(
          metrics.body,
        );
        return Number(line?.[1] ?? 0);
      };
      const before = await healthCount();
      const health = await t.request({
        method: 'GET',
        url: '/health',
        headers: { 'x-request-id': 'obs-health' },
      });
      const ready = await t.request({ method: 'GET', url: '/ready' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ data: { status: 'ok' } });
      expect(health.headers['content-type']).toBe(ready.headers['content-type']);
      expect(health.headers['x-request-id']).toBe('obs-health');
      const headerNames = (response: typeof health) =>
        Object.keys(response.headers)
          .filter((name) => !['content-length', 'date', 'x-request-id', 'etag'].includes(name))
          .sort();
      expect(headerNames(health)).toEqual(headerNames(ready));
      expect(await healthCount()).toBe(before + 1);
      // A request id the service does not take is replaced by its own, as on every route.
      const renamed = await t.request({
        method: 'GET',
        url: '/health',
        headers: { 'x-request-id': 'not an id!' },
      });
      expect(renamed.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('logs client errors as warnings and unknown routes as unmatched', async () => {
      await t.request({
        method: 'GET',
        url: '/no/such/route',
        headers: { 'x-request-id': 'obs-404' },
      });
      await flushed();
      const [line] = logs.requestLines('obs-404');
      expect(line).toMatchObject({ status: 404, route: 'unmatched', level: 40 });
    });

    it('never writes passwords, bearer tokens or refresh tokens', async () => {
      const password = 'super-secret-password-5150';
      const email = 'secret-logger@example.com';
      await t.request({ method: 'POST', url: '/users', payload: { email, name: 'S', password } });
      const login = await t.request({
        method: 'POST',
        url: '/auth/token',
        payload: { email, password },
      });
      const { access_token: accessToken, refresh_token: refreshToken } = login.json<{
        data: { access_token: string; refresh_token: string };
      }>().data;
      await t.request({ method: 'GET', url: '/auth/me', headers: bearer(accessToken) });
      await t.request({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refresh_token: refreshToken },
      });
      await t.request({ method: 'GET', url: '/auth/me', headers: bearer('forged.token.value') });
      await flushed();

      expect(logs.requestLines().length).toBeGreaterThan(0);
      for (const secret of [password, accessToken, refreshToken, 'forged.token.value']) {
        expect(logs.text).not.toContain(secret);
      }
      expect(logs.text.toLowerCase()).not.toContain('authorization');
    });

    it('puts the trace id of an incoming W3C traceparent on the request line', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await t.request({
        method: 'GET',
        url: '/health',
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'obs-trace' },
      });
      await t.request({
        method: 'GET',
        url: '/users',
        headers: {
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
          'x-request-id': 'obs-trace-2',
        },
      });
      await flushed();
      const [line] = logs.requestLines('obs-trace-2');
      expect(line).toMatchObject({ trace_id: traceId, status: 401 });
    });

    it('ignores a malformed traceparent', async () => {
      await t.request({
        method: 'GET',
        url: '/users',
        headers: { traceparent: '00-not-a-trace-01', 'x-request-id': 'obs-bad-trace' },
      });
      await flushed();
      const [line] = logs.requestLines('obs-bad-trace');
      expect(line).toBeDefined();
      expect(line.trace_id).toBeUndefined();
    });
  });

  describe('application logs', () => {
    it.each([
      ['GET /users/:id', 'findOne', 'GET', '/users/00000000-0000-4000-8000-000000000000'],
      ['POST /users (after its body is read)', 'create', 'POST', '/users'],
    ] as const)(
      'of the error filter carry the request id and trace of the request: %s',
      async (_label, method, httpMethod, url) => {
        const user = await signUp(t);
        const users = t.app.get(UsersService);
        const spy = jest.spyOn(users, method).mockRejectedValue(new Error('boom in the service'));
        const traceId = '0af7651916cd43dd8448eb211c80319c';
        try {
          const response = await t.request({
            method: httpMethod,
            url,
            headers: {
              ...bearer(user.token),
              'x-request-id': `obs-app-${method}`,
              traceparent: `00-${traceId}-b7ad6b7169203331-01`,
            },
            payload:
              httpMethod === 'POST'
                ? {
                    email: `app-log-${method}@example.com`,
                    name: 'L',
                    password: 'long-enough-pass',
                  }
                : undefined,
          });
          expect(response.statusCode).toBe(500);
          expect(spy).toHaveBeenCalled();
        } finally {
          spy.mockRestore();
        }
        // A line written outside any request carries no request id.
        new Logger('Outside').log(`outside any request ${method}`);
        await flushed();
        const appLine = logs.lines.find(
          (line) => line.msg === 'Unexpected error' && line.request_id === `obs-app-${method}`,
        );
        expect(appLine).toMatchObject({ trace_id: traceId, level: 50 });
        const outside = logs.lines.find((line) => line.msg === `outside any request ${method}`);
        expect(outside).toBeDefined();
        expect(outside).not.toHaveProperty('request_id');
      },
    );
  });

  describe('/metrics', () => {
    it('serves Prometheus text with request histograms by method, route template and status', async () => {
      const user = await signUp(t);
      const post = await createPost(t, user);
      await t.request({ method: 'GET', url: `/posts/${post.id}`, headers: bearer(user.token) });
      await t.request({ method: 'GET', url: `/posts/${post.id}`, headers: bearer(user.token) });
      const unknownBefore = countOf(
        (await t.request({ method: 'GET', url: '/metrics' })).body,
        /http_request_errors_total\{method="GET",route="unmatched",status="404"\} (\d+)/,
      );
      await t.request({ method: 'GET', url: '/definitely/unknown' });

      const response = await t.request({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      const text = response.body;

      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/posts\/:id",status="200"\} 2\b/,
      );
      expect(text).toMatch(
        /http_requests_total\{method="POST",route="\/users\/:id\/posts",status="201"\} \d+/,
      );
      expect(
        countOf(
          text,
          /http_request_errors_total\{method="GET",route="unmatched",status="404"\} (\d+)/,
        ),
      ).toBe(unknownBefore + 1);
      // No raw URL (with an id in it) ever becomes a label.
      expect(text).not.toContain(post.id);
      expect(text).toMatch(/cache_hits_total\{resource="post"\} 1\b/);
      expect(text).toMatch(/cache_misses_total\{resource="post"\} \d+/);
      expect(text).toMatch(/^db_pool_connections \d+/m);
      expect(text).toMatch(/^db_pool_connections_in_use \d+/m);
      expect(text).toMatch(/^db_pool_waiting_requests \d+/m);
      expect(text).toContain('# TYPE rate_limit_rejections_total counter');
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
      expect(text).toMatch(/^process_resident_memory_bytes /m);
    });

    it('is public, outside the JSON envelope and never throttled', async () => {
      const limited = await createTestApp({ RATE_LIMIT_MAX: '2' });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i += 1) {
          statuses.push((await limited.request({ method: 'GET', url: '/metrics' })).statusCode);
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      } finally {
        await limited.close();
      }
    });
  });
});

function countOf(metrics: string, pattern: RegExp): number {
  return Number(pattern.exec(metrics)?.[1] ?? 0);
}
