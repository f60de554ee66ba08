import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { InjectOptions } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { UsersService } from '../src/users/users.service.js';
import { createTestApp, TestApp } from './support/test-app.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import {
  expectData,
  expectError,
  expectUnauthorized,
  expectValidationError,
  UserBody,
  UUID,
} from './support/api-expectations.js';

const PASSWORD = 'correct horse battery staple';
const ADMIN = { email: 'admin@example.com', password: 'admin password 123' };

function uniqueEmail(prefix = 'err'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

function signUpPayload(email = uniqueEmail()) {
  return { email, name: 'Someone', password: PASSWORD };
}

/** Users whose email matches, deleted ones included. */
function usersWithEmail(t: TestApp, email: string): Promise<number> {
  return t.count('users', 'lower(email) = lower($1)', [email]);
}

describe('errors', () => {
  let t: TestApp;
  let user: SignedUpUser;
  let adminToken: string;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    user = await signUp(t);
    const login = await t.request({ method: 'POST', url: '/auth/token', payload: ADMIN });
    adminToken = expectData<{ access_token: string }>(login).access_token;
  });
  afterAll(() => t.close());

  describe('400 BAD_REQUEST', () => {
    it.each([
      ['malformed JSON', '{"email": "a@b.co", name}'],
      ['truncated JSON', '{"email": '],
      ['an empty body', ''],
      ['a __proto__ key', '{"__proto__": {"admin": true}, "email": "a@b.co"}'],
    ])('answers %s with the envelope and creates nothing', async (_label, payload) => {
      const before = await t.count('users');
      const response = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expectError(response, 400, 'BAD_REQUEST');
      expect(await t.count('users')).toBe(before);
    });

    it('answers contradictory list parameters (page and cursor)', async () => {
      expectError(
        await t.request({
          method: 'GET',
          url: '/users?page=1&cursor=abc',
          headers: bearer(user.token),
        }),
        400,
        'BAD_REQUEST',
      );
    });
  });

  describe('401 UNAUTHORIZED', () => {
    it.each([
      ['no Authorization header', {}],
      ['an empty bearer token', { authorization: 'Bearer ' }],
      ['a token that is not a JWT', { authorization: 'Bearer not-a-jwt' }],
      ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ])('answers %s with WWW-Authenticate: Bearer', async (_label, headers) => {
      expectUnauthorized(await t.request({ method: 'GET', url: '/users', headers }));
    });
  });

  describe('404 NOT_FOUND', () => {
    it.each([
      ['GET', '/nope'],
      ['POST', '/nope'],
      ['GET', '/users/extra/segments/here'],
      ['DELETE', '/users'],
      ['PATCH', '/posts'],
    ] as const)('answers an unknown route: %s %s', async (method, url) => {
      const response = await t.request({
        method,
        url,
        headers: bearer(user.token),
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      expectError(response, 404, 'NOT_FOUND');
    });

    const malformedIds = ['not-a-uuid', '123', `${randomUUID()}0`, "1' OR '1'='1"];
    interface RouteWithId {
      method: InjectOptions['method'];
      route: string;
      payload?: Record<string, unknown>;
    }
    const routesWithId: RouteWithId[] = [
      { method: 'GET', route: '/users/:id' },
      { method: 'PUT', route: '/users/:id', payload: { email: uniqueEmail(), name: 'X' } },
      { method: 'PATCH', route: '/users/:id', payload: { name: 'X' } },
      { method: 'DELETE', route: '/users/:id' },
      { method: 'GET', route: '/users/:id/posts' },
      { method: 'POST', route: '/users/:id/posts', payload: { title: 'x', body: 'x' } },
      { method: 'GET', route: '/posts/:id' },
      { method: 'PUT', route: '/posts/:id', payload: { title: 'x', body: 'x' } },
      { method: 'PATCH', route: '/posts/:id', payload: { title: 'x' } },
      { method: 'DELETE', route: '/posts/:id' },
    ];
    const requestFor = ({ method, route, payload }: RouteWithId, id: string, token: string) =>
      t.request({
        method,
        url: route.replace(':id', id),
        headers: bearer(token),
        ...(payload ? { payload } : {}),
      });

    it.each(routesWithId)(
      'answers a malformed id on $method $route, never 400 or 500',
      async (route) => {
        for (const id of malformedIds) {
          expectError(
            await requestFor(route, encodeURIComponent(id), user.token),
            404,
            'NOT_FOUND',
          );
        }
      },
    );

    it.each(routesWithId)('answers an unknown id on $method $route', async (route) => {
      // As admin, so that the owner check cannot answer first.
      expectError(await requestFor(route, randomUUID(), adminToken), 404, 'NOT_FOUND');
    });

    it('answers every read and write of a soft-deleted user and their posts', async () => {
      const gone = await signUp(t, { name: 'Gone' });
      const post = await createPost(t, gone, { title: 'Gone too' });
      const removed = await t.request({
        method: 'DELETE',
        url: `/users/${gone.id}`,
        headers: bearer(gone.token),
      });
      expect(removed.statusCode).toBe(204);

      for (const route of routesWithId) {
        const id = route.route.startsWith('/posts') ? post.id : gone.id;
        expectError(await requestFor(route, id, adminToken), 404, 'NOT_FOUND');
      }

      // Nothing was changed, restored or added by those writes.
      const rows = await t.sql<{
        name: string;
        user_deleted: Date | null;
        title: string;
        post_deleted: Date | null;
      }>(
        `SELECT u.name, u.deleted_at AS user_deleted, p.title, p.deleted_at AS post_deleted
           FROM users u JOIN posts p ON p.user_id = u.id WHERE u.public_id = $1`,
        [gone.id],
      );
      expect(rows).toEqual([
        {
          name: 'Gone',
          user_deleted: expect.any(Date),
          title: 'Gone too',
          post_deleted: expect.any(Date),
        },
      ]);
    });
  });

  describe('409 CONFLICT', () => {
    it.each([
      ['the same email', (email: string) => email],
      [
        'case and whitespace variants',
        (email: string, i: number) => (i % 2 ? ` ${email.toUpperCase()} ` : email),
      ],
    ])('lets exactly one of 10 concurrent sign-ups with %s win', async (_label, variant) => {
      const email = uniqueEmail('race');
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.request({ method: 'POST', url: '/users', payload: signUpPayload(variant(email, i)) }),
        ),
      );

      const statuses = responses.map((response) => response.statusCode).sort();
      expect(statuses).toEqual([201, ...Array<number>(9).fill(409)]);
      for (const response of responses) {
        if (response.statusCode === 409) expectError(response, 409, 'CONFLICT');
      }
      expect(await usersWithEmail(t, email)).toBe(1);
    });
  });

  describe('413 PAYLOAD_TOO_LARGE', () => {
    describe('with BODY_LIMIT_BYTES=1024', () => {
      let small: TestApp;

      beforeAll(async () => {
        small = await createTestApp({ BODY_LIMIT_BYTES: '1024' });
      });
      afterAll(() => small.close());

      /** A valid sign-up body padded with JSON whitespace to exactly `bytes` bytes. */
      function paddedSignUp(email: string, bytes: number): string {
        const json = JSON.stringify(signUpPayload(email));
        return json + ' '.repeat(bytes - Buffer.byteLength(json));
      }

      it('answers a body one byte over the limit and creates nothing', async () => {
        const email = uniqueEmail('big');
        const response = await small.request({
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          payload: paddedSignUp(email, 1025),
        });
        expectError(response, 413, 'PAYLOAD_TOO_LARGE');
        expect(await usersWithEmail(small, email)).toBe(0);
      });

      it('accepts a body of exactly the limit', async () => {
        const email = uniqueEmail('fits');
        const response = await small.request({
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          payload: paddedSignUp(email, 1024),
        });
        expectData(response, 201);
        expect(await usersWithEmail(small, email)).toBe(1);
      });
    });

    it('applies the default limit of 100 KiB', async () => {
      const owner = user;
      const body = (bytes: number) => {
        const json = JSON.stringify({ title: 'Big', body: 'x' });
        return json + ' '.repeat(bytes - Buffer.byteLength(json));
      };
      const send = (bytes: number) =>
        t.request({
          method: 'POST',
          url: `/users/${owner.id}/posts`,
          headers: { ...bearer(owner.token), 'content-type': 'application/json' },
          payload: body(bytes),
        });

      expectError(await send(102_401), 413, 'PAYLOAD_TOO_LARGE');
      expectData(await send(102_400), 201);
    });
  });

  describe('415 UNSUPPORTED_MEDIA_TYPE', () => {
    /** A valid sign-up, encoded as `contentType` would carry it. */
    const encodings: [string, string, (fields: Record<string, string>) => string][] = [
      ['a text/plain body', 'text/plain', (fields) => JSON.stringify(fields)],
      ['a text/plain body with charset', 'text/plain; charset=utf-8', (f) => JSON.stringify(f)],
      [
        'a form body',
        'application/x-www-form-urlencoded',
        (fields) => new URLSearchParams(fields).toString(),
      ],
      [
        'a multipart body',
        'multipart/form-data; boundary=x',
        (fields) =>
          Object.entries(fields)
            .map(([k, v]) => `--x\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
            .join('') + '--x--\r\n',
      ],
      [
        'an XML body',
        'application/xml',
        (fields) => `<user><email>${fields.email}</email><name>${fields.name}</name></user>`,
      ],
    ];

    it.each(encodings)(
      'answers %s (%s) and creates nothing',
      async (_label, contentType, encode) => {
        const email = uniqueEmail('media');
        const response = await t.request({
          method: 'POST',
          url: '/users',
          headers: { 'content-type': contentType },
          payload: encode(signUpPayload(email)),
        });
        expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect(await usersWithEmail(t, email)).toBe(0);
      },
    );

    it('accepts application/json with a charset', async () => {
      const response = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: JSON.stringify(signUpPayload()),
      });
      expectData(response, 201);
    });
  });

  describe('422 VALIDATION_ERROR', () => {
    it('lists one detail per failing field, unknown fields included, with messages', async () => {
      const response = await t.request({
        method: 'POST',
        url: '/users',
        payload: { email: 'not-an-email', name: '', password: 'short', role: 'admin' },
      });
      const fields = expectValidationError(response);
      expect(fields).toEqual(['email', 'name', 'password', 'role']);
      const details = response.json<{ error: { details: { field: string; message: string }[] } }>()
        .error.details;
      expect(details.find((d) => d.field === 'role')?.message).toMatch(/role/);
      expect(details.find((d) => d.field === 'email')?.message).toMatch(/email/);
    });

    it('applies to the query string too', async () => {
      const response = await t.request({
        method: 'GET',
        url: '/users?per_page=0&sort=name',
        headers: bearer(user.token),
      });
      expect(expectValidationError(response)).toEqual(['per_page', 'sort']);
    });

    it('answers a JSON body that is not an object', async () => {
      for (const payload of ['[]', 'null', '"text"', '42']) {
        const before = await t.count('users');
        const response = await t.request({
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expectError(response, 422, 'VALIDATION_ERROR');
        expect(await t.count('users')).toBe(before);
      }
    });
  });

  describe('500 INTERNAL_ERROR', () => {
    const leaks = [
      /select/i,
      /password_hash/,
      /relation/,
      /users/,
      /42P01|42703/,
      /\bat\s.+:\d+:\d+/, // a stack frame
      /\.ts\b|\.js\b/,
      /QueryFailedError|Error:/,
    ];

    afterEach(() => jest.restoreAllMocks());

    it.each([
      [
        'an Error carrying SQL',
        () =>
          new Error(
            'relation "users" does not exist: SELECT "User"."password_hash" FROM "users" "User"',
          ),
      ],
      [
        'a driver error',
        () =>
          new QueryFailedError(
            'SELECT "User"."password_hash" FROM "users" "User" WHERE "User"."public_id" = $1',
            ['x'],
            Object.assign(new Error('column User.password_hash does not exist'), {
              code: '42703',
              severity: 'ERROR',
              routine: 'errorMissingColumn',
            }),
          ),
      ],
    ])('answers %s with a generic body only', async (_label, makeError) => {
      const users = t.app.get(UsersService);
      const spy = jest.spyOn(users, 'findOne').mockRejectedValue(makeError());

      const response = await t.request({
        method: 'GET',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
      });

      expect(spy).toHaveBeenCalled();
      const error = expectError(response, 500, 'INTERNAL_ERROR');
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'request_id']);
      expect(error.message).toBe('Internal server error');
      for (const leak of leaks) expect(response.body).not.toMatch(leak);
    });

    it('answers a failed write with 500 and stores nothing', async () => {
      const users = t.app.get(UsersService);
      jest
        .spyOn(users, 'create')
        .mockRejectedValue(new Error('INSERT INTO "users" ("email") VALUES ($1) -- boom'));
      const email = uniqueEmail('fail');

      const response = await t.request({
        method: 'POST',
        url: '/users',
        payload: signUpPayload(email),
      });

      const error = expectError(response, 500, 'INTERNAL_ERROR');
      expect(error.message).toBe('Internal server error');
      expect(response.body).not.toMatch(/INSERT|boom/);
      expect(await usersWithEmail(t, email)).toBe(0);
    });
  });

  describe('X-Request-Id', () => {
    const wellFormed = ['a', 'req-123', 'Trace.ID_42:part-7', 'x'.repeat(128), '0'];
    const malformed = [
      'x'.repeat(129),
      'has space',
      'semi;colon',
      'slash/id',
      '<script>',
      'quote"d',
      'caf\u00e9',
      '',
    ];

    const ownUserWithRequestId = (id: string) =>
      t.request({
        method: 'GET',
        url: `/users/${user.id}`,
        headers: { ...bearer(user.token), 'x-request-id': id },
      });

    it.each(wellFormed)('echoes a well-formed id (%s) on success and on error', async (id) => {
      const ok = await ownUserWithRequestId(id);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-request-id']).toBe(id);

      const notFound = await t.request({
        method: 'GET',
        url: '/nope',
        headers: { 'x-request-id': id },
      });
      expect(expectError(notFound, 404, 'NOT_FOUND').request_id).toBe(id);
    });

    it.each(malformed)('replaces a malformed id (%j) with a new UUID', async (id) => {
      const ok = await ownUserWithRequestId(id);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-request-id']).toMatch(UUID);

      const unauthorized = await t.request({
        method: 'GET',
        url: '/users',
        headers: { 'x-request-id': id },
      });
      const error = expectUnauthorized(unauthorized);
      expect(error.request_id).toMatch(UUID);
      expect(error.request_id).not.toBe(id);
    });

    it('gives each request without an id a fresh UUID', async () => {
      const ids = new Set<unknown>();
      for (let i = 0; i < 3; i += 1) {
        const response = await t.request({ method: 'GET', url: '/nope' });
        expect(response.headers['x-request-id']).toMatch(UUID);
        ids.add(response.headers['x-request-id']);
      }
      expect(ids.size).toBe(3);
    });

    it('is present on 201, 204, 400, 413 and 415 responses too', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'x-request-id': 'created-1' },
        payload: signUpPayload(),
      });
      expect(expectData<UserBody>(created, 201).id).toMatch(UUID);
      expect(created.headers['x-request-id']).toBe('created-1');

      const post = await createPost(t, user);
      const deleted = await t.request({
        method: 'DELETE',
        url: `/posts/${post.id}`,
        headers: { ...bearer(user.token), 'x-request-id': 'deleted-1' },
      });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.headers['x-request-id']).toBe('deleted-1');

      const cases: [string, InjectOptions, number, string][] = [
        [
          'bad-json',
          { headers: { 'content-type': 'application/json' }, payload: '{' },
          400,
          'BAD_REQUEST',
        ],
        [
          'too-large',
          { headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(110_000)}"` },
          413,
          'PAYLOAD_TOO_LARGE',
        ],
        [
          'text',
          { headers: { 'content-type': 'text/plain' }, payload: 'hi' },
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
      ];
      for (const [id, options, status, code] of cases) {
        const response = await t.request({
          method: 'POST',
          url: '/users',
          ...options,
          headers: { ...options.headers, 'x-request-id': id },
        });
        expect(expectError(response, status, code).request_id).toBe(id);
      }
    });
  });
});
