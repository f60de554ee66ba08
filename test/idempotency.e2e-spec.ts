import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PostsService } from '../src/posts/posts.service.js';
import type { ResolvedDatabase } from '../src/database/resolve-database.js';
import { bearer, signUp, type SignedUpUser } from './support/fixtures.js';
import { startRedisServer } from './support/redis-server.js';
import { createTestDatabase } from './support/test-database.js';
import { createTestApp, type TestApp } from './support/test-app.js';

type Created = { data: { id: string; title?: string; email?: string } };

function signUpBody(email: string): Record<string, string> {
  return { email, name: 'Idem Potent', password: 'password-123' };
}

async function countUsers(t: TestApp, email: string): Promise<number> {
  const [row] = await t.sql<{ count: string }>('SELECT count(*) FROM users WHERE email = $1', [
    email,
  ]);
  return Number(row.count);
}

async function countPosts(t: TestApp, title: string): Promise<number> {
  const [row] = await t.sql<{ count: string }>('SELECT count(*) FROM posts WHERE title = $1', [
    title,
  ]);
  return Number(row.count);
}

describe('Idempotency-Key on creates', () => {
  let t: TestApp;
  let author: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp();
    author = await signUp(t);
  });
  afterAll(() => t.close());

  function createPost(key: string, payload: Record<string, string>, user: SignedUpUser = author) {
    return t.request({
      method: 'POST',
      url: `/users/${user.id}/posts`,
      headers: { ...bearer(user.token), 'idempotency-key': key },
      payload,
    });
  }

  describe('POST /users (sign-up)', () => {
    it('replays the first response for a repeat and creates one user', async () => {
      const email = `idem-${randomUUID()}@example.com`;
      const key = randomUUID();
      const first = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      const repeat = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });

      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(repeat.statusCode).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.headers.location).toBe(first.headers.location);
      expect(repeat.json()).toEqual(first.json());
      expect(await countUsers(t, email)).toBe(1);
    });

    it('answers a repeat with the same key and another body with 422, and creates nothing', async () => {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const other = `idem-${randomUUID()}@example.com`;
      await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      const reused = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(other),
      });

      expect(reused.statusCode).toBe(422);
      expect(reused.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      expect(await countUsers(t, other)).toBe(0);
    });

    it('treats the same fields in another order as the same body', async () => {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const first = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key, 'content-type': 'application/json' },
        payload: JSON.stringify({ email, name: 'Idem Potent', password: 'password-123' }),
      });
      const reordered = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key, 'content-type': 'application/json' },
        payload: JSON.stringify({ password: 'password-123', name: 'Idem Potent', email }),
      });
      expect(reordered.statusCode).toBe(201);
      expect(reordered.json()).toEqual(first.json());
    });

    it('keeps sign-up keys per client address', async () => {
      const key = randomUUID();
      const first = `idem-${randomUUID()}@example.com`;
      const second = `idem-${randomUUID()}@example.com`;
      const a = await t.request({
        method: 'POST',
        url: '/users',
        remoteAddress: '10.0.0.1',
        headers: { 'idempotency-key': key },
        payload: signUpBody(first),
      });
      const b = await t.request({
        method: 'POST',
        url: '/users',
        remoteAddress: '10.0.0.2',
        headers: { 'idempotency-key': key },
        payload: signUpBody(second),
      });
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect(await countUsers(t, second)).toBe(1);
    });

    it('refuses a malformed key with 422 and creates nothing', async () => {
      const email = `idem-${randomUUID()}@example.com`;
      for (const key of ['x'.repeat(256), 'tab\there', 'ümlaut']) {
        const response = await t.request({
          method: 'POST',
          url: '/users',
          headers: { 'idempotency-key': key },
          payload: signUpBody(email),
        });
        expect(response.statusCode).toBe(422);
        expect(response.json()).toMatchObject({
          error: { details: [{ field: 'Idempotency-Key' }] },
        });
      }
      expect(await countUsers(t, email)).toBe(0);
    });

    it('does not let a failed request poison the key: a corrected retry succeeds', async () => {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const invalid = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: { email, name: 'Idem', password: 'short' },
      });
      expect(invalid.statusCode).toBe(422);
      const corrected = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      expect(corrected.statusCode).toBe(201);
      expect(corrected.headers['idempotent-replayed']).toBeUndefined();
      expect(await countUsers(t, email)).toBe(1);
    });

    it('does not keep a 409 for a taken email: after the email frees up, the retry creates', async () => {
      const email = `idem-${randomUUID()}@example.com`;
      const owner = await t.request({ method: 'POST', url: '/users', payload: signUpBody(email) });
      const key = randomUUID();
      const taken = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      expect(taken.statusCode).toBe(409);
      await t.sql('UPDATE users SET deleted_at = now() WHERE public_id = $1', [
        owner.json<Created>().data.id,
      ]);
      const retry = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      expect(retry.statusCode).toBe(201);
    });
  });

  describe('POST /users/:id/posts', () => {
    it('replays the same post for a repeat and creates one row', async () => {
      const key = randomUUID();
      const title = `idem ${randomUUID()}`;
      const first = await createPost(key, { title, body: 'once' });
      const repeat = await createPost(key, { title, body: 'once' });
      expect(first.statusCode).toBe(201);
      expect(repeat.statusCode).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.json<Created>().data.id).toBe(first.json<Created>().data.id);
      expect(repeat.headers.location).toBe(`/posts/${first.json<Created>().data.id}`);
      expect(await countPosts(t, title)).toBe(1);
    });

    it("keeps one caller's keys from another caller", async () => {
      const other = await signUp(t);
      const key = randomUUID();
      const title = `idem ${randomUUID()}`;
      const mine = await createPost(key, { title, body: 'b' });
      const theirs = await createPost(key, { title, body: 'b' }, other);
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json<Created>().data.id).not.toBe(mine.json<Created>().data.id);
      expect(await countPosts(t, title)).toBe(2);
    });

    it('answers 409 to a repeat that arrives while the first is still running', async () => {
      const posts = t.app.get(PostsService);
      let release!: () => void;
      let reached!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const atGate = new Promise<void>((resolve) => (reached = resolve));
      const original = posts.create.bind(posts);
      const spy = jest.spyOn(posts, 'create').mockImplementationOnce(async (...args) => {
        reached();
        await gate;
        return original(...args);
      });
      try {
        const key = randomUUID();
        const title = `idem ${randomUUID()}`;
        const first = createPost(key, { title, body: 'slow' });
        await atGate;
        const during = await createPost(key, { title, body: 'slow' });
        expect(during.statusCode).toBe(409);
        expect(during.json()).toMatchObject({ error: { code: 'CONFLICT' } });
        release();
        expect((await first).statusCode).toBe(201);
        expect(await countPosts(t, title)).toBe(1);
      } finally {
        release();
        spy.mockRestore();
      }
    });
  });
});

describe('Idempotency-Key across instances and outages', () => {
  it('creates exactly one row for 20 parallel requests with one key on two instances', async () => {
    const database: ResolvedDatabase = await createTestDatabase();
    const shared = { ...database, stop: () => Promise.resolve() };
    const a = await createTestApp({}, shared);
    const b = await createTestApp({ JWT_SECRET: a.config.jwt.secret }, shared);
    try {
      const user = await signUp(a);
      const key = randomUUID();
      const title = `parallel ${randomUUID()}`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 ? a : b).request({
            method: 'POST',
            url: `/users/${user.id}/posts`,
            headers: { ...bearer(user.token), 'idempotency-key': key },
            payload: { title, body: 'raced' },
          }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      const ids = new Set(
        responses.filter((r) => r.statusCode === 201).map((r) => r.json<Created>().data.id),
      );
      expect(ids.size).toBe(1);
      expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
      expect(await countPosts(a, title)).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await database.stop();
    }
  });

  it('still replays, and creates nothing new, after Redis has stopped', async () => {
    const redis = await startRedisServer();
    const t = await createTestApp({ REDIS_URL: redis.url });
    try {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const first = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      expect(first.statusCode).toBe(201);
      await redis.kill();
      const repeat = await t.request({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: signUpBody(email),
      });
      expect(repeat.statusCode).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.json()).toEqual(first.json());
      expect(await countUsers(t, email)).toBe(1);
    } finally {
      await t.close();
      await redis.stop();
    }
  });
});
