import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PostsService } from '../src/posts/posts.service.js';
import type { ResolvedDatabase } from '../src/database/resolve-database.js';
import { bearer, signUp, type SignedUpUser } from './support/fixtures.js';
import { signUpBody, signUpWithKey } from './support/idempotency-requests.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase } from './support/test-database.js';
import { createTestApp, type TestApp } from './support/test-app.js';

type Created = { data: { id: string; title?: string; email?: string } };

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
      const first = await signUpWithKey(t, key, signUpBody(email));
      const repeat = await signUpWithKey(t, key, signUpBody(email));

      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(repeat.statusCode).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.headers.location).toBe(first.headers.location);
      expect(repeat.json()).toEqual(first.json());
      expect(await t.count('users', 'email = $1', [email])).toBe(1);
    });

    it('answers a repeat with the same key and another body with 422, and creates nothing', async () => {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const other = `idem-${randomUUID()}@example.com`;
      await signUpWithKey(t, key, signUpBody(email));
      const reused = await signUpWithKey(t, key, signUpBody(other));

      expect(reused.statusCode).toBe(422);
      expect(reused.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      expect(await t.count('users', 'email = $1', [other])).toBe(0);
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
      const a = await signUpWithKey(t, key, signUpBody(first), '10.0.0.1');
      const b = await signUpWithKey(t, key, signUpBody(second), '10.0.0.2');
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect(await t.count('users', 'email = $1', [second])).toBe(1);
    });

    it('refuses a malformed key with 422 and creates nothing', async () => {
      const email = `idem-${randomUUID()}@example.com`;
      for (const key of ['x'.repeat(256), 'tab\there', 'ümlaut']) {
        const response = await signUpWithKey(t, key, signUpBody(email));
        expect(response.statusCode).toBe(422);
        expect(response.json()).toMatchObject({
          error: { details: [{ field: 'Idempotency-Key' }] },
        });
      }
      expect(await t.count('users', 'email = $1', [email])).toBe(0);
    });

    it('does not let a failed request poison the key: a corrected retry succeeds', async () => {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const invalid = await signUpWithKey(t, key, { email, name: 'Idem', password: 'short' });
      expect(invalid.statusCode).toBe(422);
      const corrected = await signUpWithKey(t, key, signUpBody(email));
      expect(corrected.statusCode).toBe(201);
      expect(corrected.headers['idempotent-replayed']).toBeUndefined();
      expect(await t.count('users', 'email = $1', [email])).toBe(1);
    });

    it('does not keep a 409 for a taken email: after the email frees up, the retry creates', async () => {
      const email = `idem-${randomUUID()}@example.com`;
      const owner = await t.request({ method: 'POST', url: '/users', payload: signUpBody(email) });
      const key = randomUUID();
      const taken = await signUpWithKey(t, key, signUpBody(email));
      expect(taken.statusCode).toBe(409);
      await t.sql('UPDATE users SET deleted_at = now() WHERE public_id = $1', [
        owner.json<Created>().data.id,
      ]);
      const retry = await signUpWithKey(t, key, signUpBody(email));
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
      expect(await t.count('posts', 'title = $1', [title])).toBe(1);
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
      expect(await t.count('posts', 'title = $1', [title])).toBe(2);
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
        expect(await t.count('posts', 'title = $1', [title])).toBe(1);
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
      expect(await a.count('posts', 'title = $1', [title])).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await database.stop();
    }
  });
});

describe('Idempotency-Key: replays carry what the first 201 carried', () => {
  let t: TestApp;
  let author: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp();
    author = await signUp(t);
  });
  afterAll(() => t.close());

  it('a replayed sign-up and a replayed post keep their ETag', async () => {
    const key = randomUUID();
    const signUpRequest = {
      method: 'POST' as const,
      url: '/users',
      headers: { 'idempotency-key': key },
      payload: signUpBody(`idem-${randomUUID()}@example.com`),
    };
    const first = await t.request(signUpRequest);
    const repeat = await t.request(signUpRequest);
    expect(first.headers.etag).toMatch(/^"user\..+\.private"$/);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.headers.etag).toBe(first.headers.etag);

    const postRequest = {
      method: 'POST' as const,
      url: `/users/${author.id}/posts`,
      headers: { ...bearer(author.token), 'idempotency-key': key },
      payload: { title: `etag ${randomUUID()}`, body: 'b' },
    };
    const post = await t.request(postRequest);
    const postRepeat = await t.request(postRequest);
    expect(post.headers.etag).toMatch(/^"post\./);
    expect(postRepeat.headers['idempotent-replayed']).toBe('true');
    expect(postRepeat.headers.etag).toBe(post.headers.etag);
  });

  it('POST /users/{id}/posts/ (trailing slash) is the same key as without it', async () => {
    const key = randomUUID();
    const title = `slash ${randomUUID()}`;
    const send = (url: string) =>
      t.request({
        method: 'POST',
        url,
        headers: { ...bearer(author.token), 'idempotency-key': key },
        payload: { title, body: 'once' },
      });
    const first = await send(`/users/${author.id}/posts`);
    const slashed = await send(`/users/${author.id}/posts/`);
    expect(first.statusCode).toBe(201);
    expect(slashed.statusCode).toBe(201);
    expect(slashed.headers['idempotent-replayed']).toBe('true');
    expect(slashed.json()).toEqual(first.json());
    expect(await t.count('posts', 'title = $1', [title])).toBe(1);
  });
});

/**
 * Faults inside the create: the database link is cut at an exact statement (a TCP proxy between
 * the app and the database watching what the app sends), then the client retries as a client
 * would, with the same key and body.
 */
describe('Idempotency-Key when the database link drops inside the create', () => {
  let database: ResolvedDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let author: SignedUpUser;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    t = await createTestApp(
      {},
      { ...database, url: proxy.urlFor(database.url), stop: async () => {} },
    );
    author = await signUp(t);
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
    await database.stop();
  });
  afterEach(() => proxy.clearCutRules());

  function createPost(key: string, title: string) {
    return t.request({
      method: 'POST',
      url: `/users/${author.id}/posts`,
      headers: { ...bearer(author.token), 'idempotency-key': key },
      payload: { title, body: 'through a bad link' },
    });
  }

  /** Retries as a client does (a 409 means "still running": wait and retry) until an answer. */
  async function retryUntilSettled(key: string, title: string) {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const response = await createPost(key, title);
      if (response.statusCode !== 409 && response.statusCode < 500) return response;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the retries never settled');
  }

  async function expectReplayOfTheOnePost(key: string, title: string): Promise<void> {
    const [row] = await t.sql<{ public_id: string }>(
      'SELECT public_id FROM posts WHERE title = $1',
      [title],
    );
    expect(await t.count('posts', 'title = $1', [title])).toBe(1);
    const current = await t.request({
      method: 'GET',
      url: `/posts/${row.public_id}`,
      headers: bearer(author.token),
    });
    const retry = await retryUntilSettled(key, title);
    expect({
      status: retry.statusCode,
      replayed: retry.headers['idempotent-replayed'],
      location: retry.headers.location,
      etag: retry.headers.etag,
    }).toEqual({
      status: 201,
      replayed: 'true',
      location: `/posts/${row.public_id}`,
      etag: current.headers.etag,
    });
    expect(retry.json()).toEqual(current.json());
    // And again: the same answer, still one post.
    const again = await createPost(key, title);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(current.json());
    expect(await t.count('posts', 'title = $1', [title])).toBe(1);
  }

  it('cut while the response is being stored (after the commit): a retry replays the post', async () => {
    const key = randomUUID();
    const title = `cut-store ${randomUUID()}`;
    const cut = proxy.cutWhenClientSends('SET response_status', { forward: false });
    const first = await createPost(key, title);
    await cut;
    // The create committed: the client is told so, whatever became of the stored response.
    expect(first.statusCode).toBe(201);
    await expectReplayOfTheOnePost(key, title);
  });

  it('a sign-up cut likewise: the retry replays the user, private view and ETag included', async () => {
    const key = randomUUID();
    const email = `cut-${randomUUID()}@example.com`;
    const signUpOnce = () => signUpWithKey(t, key, signUpBody(email));
    const cut = proxy.cutWhenClientSends('SET response_status', { forward: false });
    const first = await signUpOnce();
    await cut;
    expect(first.statusCode).toBe(201);
    const retry = await signUpOnce();
    expect({
      status: retry.statusCode,
      replayed: retry.headers['idempotent-replayed'],
      location: retry.headers.location,
      etag: retry.headers.etag,
    }).toEqual({
      status: 201,
      replayed: 'true',
      location: first.headers.location,
      etag: first.headers.etag,
    });
    expect(retry.json()).toEqual(first.json());
    expect(await t.count('users', 'email = $1', [email])).toBe(1);
  });

  it('cut right after the COMMIT reached the database (its answer lost): a retry replays the post', async () => {
    const key = randomUUID();
    const title = `cut-commit ${randomUUID()}`;
    const cut = proxy.cutWhenClientSends('COMMIT', { forward: true });
    const first = await createPost(key, title);
    await cut;
    // The app cannot know whether its commit took: the client gets an error and retries.
    expect(first.statusCode).toBeGreaterThanOrEqual(500);
    await expectReplayOfTheOnePost(key, title);
  });
});
