import { randomBytes } from 'node:crypto';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { User } from '../src/users/user.entity.js';
import {
  expectNotFound,
  getPost,
  getUser,
  ok,
  patchPost,
  patchUser,
  xCache,
} from './support/cache-requests.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import type { PostBody, UserBody } from './support/api-expectations.js';
import { createTestApp, TestApp } from './support/test-app.js';
import { within } from './support/within.js';

/**
 * API.md, Caching: GET /users/:id and GET /posts/:id are cache-aside, say X-Cache HIT or MISS, are
 * invalidated by every write, and a write that has returned is never followed by a stale read,
 * even under concurrent readers. Across instances, and when Redis pauses, dies or comes back (a
 * redis-server of its own): test/engines/cache-private-redis.engine-spec.ts.
 */

type Method = (...args: unknown[]) => unknown;

/**
 * Replaces `target[name]` (an instance's own or prototype method) with `make(original)`, where
 * `original` is the method bound to `target`; returns the restore function.
 */
function intercept(target: object, name: string, make: (original: Method) => Method): () => void {
  const holder = target as Record<string, unknown>;
  const hadOwn = Object.prototype.hasOwnProperty.call(holder, name);
  const previous = holder[name];
  if (typeof previous !== 'function') throw new Error(`${name} is not a method of the target`);
  holder[name] = make((previous as Method).bind(target));
  return () => {
    if (hadOwn) holder[name] = previous;
    else delete holder[name];
  };
}

/** MISS, then HIT with the same representation; returns it. */
async function expectMissThenHit<T>(read: () => Promise<InjectResponse>): Promise<T> {
  const first = await read();
  const missed = ok<T>(first);
  expect(xCache(first)).toBe('MISS');
  const second = await read();
  expect(ok<T>(second)).toEqual(missed);
  expect(xCache(second)).toBe('HIT');
  return missed;
}

describe('cache-aside (the configured store: in process, or TEST_REDIS_URL)', () => {
  let t: TestApp;
  let reader: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp();
    reader = await signUp(t);
  });
  afterAll(() => t.close());

  /** Moves a row's timestamps an hour back, so that a later write visibly advances updated_at. */
  async function age(table: 'users' | 'posts', publicId: string): Promise<void> {
    await t.sql(
      `UPDATE ${table} SET created_at = created_at - interval '1 hour',
                           updated_at = updated_at - interval '1 hour' WHERE public_id = $1`,
      [publicId],
    );
  }

  describe('X-Cache', () => {
    it('GET /users/:id answers MISS, then HIT with the same user', async () => {
      const user = await signUp(t, { name: 'Grace' });
      const body = await expectMissThenHit<UserBody>(() => getUser(t, user.id, reader.token));
      expect(body).toMatchObject({ id: user.id, name: 'Grace' });
    });

    it('serves text that looks like a serialiser marker unchanged from the cache', async () => {
      // Entries are plain JSON (cache-config.module.ts): text a serialiser might treat as a
      // marker of its own (Keyv's default escapes ":..." and revives ":base64:...") comes back as
      // it was stored.
      for (const name of [':base64:aGVsbG8=', '::two colons', ':']) {
        const user = await signUp(t, { name });
        const body = await expectMissThenHit<UserBody>(() => getUser(t, user.id, reader.token));
        expect(body.name).toBe(name);
      }
    });

    it('GET /posts/:id answers MISS, then HIT with the same post', async () => {
      const author = await signUp(t);
      const post = await createPost(t, author, { title: 'Cached title', body: 'Cached body' });
      const body = await expectMissThenHit<PostBody>(() => getPost(t, post.id, reader.token));
      expect(body).toMatchObject({
        id: post.id,
        author_id: author.id,
        title: 'Cached title',
        body: 'Cached body',
      });
      // Dates survive the store's serialisation as the same ISO strings.
      const fresh = ok<PostBody>(await getPost(t, post.id, reader.token));
      expect(fresh.created_at).toBe(body.created_at);
      expect(fresh.updated_at).toBe(body.updated_at);
    });
  });

  describe('invalidation on every write path (HIT before the write, the new value right after)', () => {
    async function cachedUser(user: SignedUpUser): Promise<UserBody> {
      await age('users', user.id);
      return expectMissThenHit<UserBody>(() => getUser(t, user.id, reader.token));
    }

    async function expectUserAfterWrite(
      id: string,
      expected: Partial<UserBody>,
    ): Promise<UserBody> {
      const after = await getUser(t, id, reader.token);
      const body = ok<UserBody>(after);
      expect(body).toMatchObject(expected);
      expect(xCache(after)).toBe('MISS');
      return body;
    }

    it('PUT /users/:id', async () => {
      const user = await signUp(t, { name: 'Before Put' });
      const before = await cachedUser(user);
      const email = `put-${randomBytes(4).toString('hex')}@example.com`;
      const put = await t.request({
        method: 'PUT',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { email, name: 'After Put', current_password: user.password },
      });
      expect(ok<UserBody>(put)).toMatchObject({ name: 'After Put', email });

      const after = await expectUserAfterWrite(user.id, { name: 'After Put' });
      expect(after.updated_at > before.updated_at).toBe(true);
      const [row] = await t.sql<{ email: string }>('SELECT email FROM users WHERE public_id = $1', [
        user.id,
      ]);
      expect(row.email).toBe(email);
    });

    it('PATCH /users/:id', async () => {
      const user = await signUp(t, { name: 'Before Patch' });
      const before = await cachedUser(user);
      const patch = await patchUser(t, user.id, user.token, { name: 'After Patch' });
      expect(ok<UserBody>(patch).name).toBe('After Patch');

      const after = await expectUserAfterWrite(user.id, { name: 'After Patch' });
      expect(after.updated_at > before.updated_at).toBe(true);
    });

    it('PATCH /users/:id with a new password', async () => {
      const user = await signUp(t, { name: 'Password Changer' });
      const before = await cachedUser(user);
      const patch = await patchUser(t, user.id, user.token, {
        password: 'a brand new passphrase',
        current_password: user.password,
      });
      expect(patch.statusCode).toBe(200);

      const after = await expectUserAfterWrite(user.id, { name: 'Password Changer' });
      expect(after.updated_at > before.updated_at).toBe(true);
    });

    it('DELETE /users/:id: the user and their previously cached posts answer 404', async () => {
      const user = await signUp(t);
      const posts = [
        await createPost(t, user, { title: 'First of a deleted user' }),
        await createPost(t, user, { title: 'Second of a deleted user' }),
      ];
      // Creating the posts has already cached the user (the token check): a HIT by now.
      await getUser(t, user.id, reader.token);
      expect(xCache(await getUser(t, user.id, reader.token))).toBe('HIT');
      for (const post of posts) {
        await expectMissThenHit<PostBody>(() => getPost(t, post.id, reader.token));
      }
      // The author's token works before the deletion.
      const own = await getPost(t, posts[0].id, user.token);
      expect(xCache(own)).toBe('HIT');

      const deleted = await t.request({
        method: 'DELETE',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
      });
      expect(deleted.statusCode).toBe(204);

      expectNotFound(await getUser(t, user.id, reader.token));
      for (const post of posts) expectNotFound(await getPost(t, post.id, reader.token));
      // Their token stops working at once: the per-request user check sees the deletion.
      expect((await getPost(t, posts[0].id, user.token)).statusCode).toBe(401);
      const rows = await t.sql<{ deleted: boolean }>(
        `SELECT deleted_at IS NOT NULL AS deleted FROM posts
         WHERE public_id = ANY($1::uuid[])`,
        [posts.map((post) => post.id)],
      );
      expect(rows).toEqual([{ deleted: true }, { deleted: true }]);
    });

    async function cachedPost(author: SignedUpUser, title: string): Promise<PostBody> {
      const post = await createPost(t, author, { title, body: 'Original body' });
      await age('posts', post.id);
      return expectMissThenHit<PostBody>(() => getPost(t, post.id, reader.token));
    }

    async function expectPostAfterWrite(id: string, expected: Partial<PostBody>): Promise<void> {
      const after = await getPost(t, id, reader.token);
      expect(ok<PostBody>(after)).toMatchObject(expected);
      expect(xCache(after)).toBe('MISS');
    }

    it('PUT /posts/:id', async () => {
      const author = await signUp(t);
      const before = await cachedPost(author, 'Before Put');
      const put = await t.request({
        method: 'PUT',
        url: `/posts/${before.id}`,
        headers: bearer(author.token),
        payload: { title: 'After Put', body: 'Replaced body' },
      });
      expect(ok<PostBody>(put)).toMatchObject({ title: 'After Put', body: 'Replaced body' });
      await expectPostAfterWrite(before.id, { title: 'After Put', body: 'Replaced body' });
    });

    it('PATCH /posts/:id', async () => {
      const author = await signUp(t);
      const before = await cachedPost(author, 'Before Patch');
      const patch = await patchPost(t, before.id, author.token, { title: 'After Patch' });
      expect(ok<PostBody>(patch).title).toBe('After Patch');
      await expectPostAfterWrite(before.id, { title: 'After Patch', body: 'Original body' });
    });

    it('DELETE /posts/:id', async () => {
      const author = await signUp(t);
      const before = await cachedPost(author, 'Soon deleted');
      const deleted = await t.request({
        method: 'DELETE',
        url: `/posts/${before.id}`,
        headers: bearer(author.token),
      });
      expect(deleted.statusCode).toBe(204);
      expectNotFound(await getPost(t, before.id, reader.token));
    });
  });

  describe('concurrent readers', () => {
    // The races behind this (a slow load that stores an older row after a write, readers that
    // must not join a load that began before a write) are src/cache/resource-cache.service.spec.ts,
    // where the loads are settled by hand.
    it('under many concurrent readers, every read after a PATCH returned shows at least that PATCH', async () => {
      const author = await signUp(t);
      const post = await createPost(t, author, { title: 'v0' });
      const writes = 15;
      const readers = 6;
      let returned = 0; // the last version whose PATCH has returned
      let done = false;
      let reads = 0;
      let hits = 0;
      const stale: string[] = [];

      const version = (response: InjectResponse): number =>
        Number(ok<PostBody>(response).title.slice(1));

      const readLoop = async (): Promise<void> => {
        while (!done) {
          const floor = returned;
          const response = await getPost(t, post.id, reader.token);
          const seen = version(response);
          reads += 1;
          if (xCache(response) === 'HIT') hits += 1;
          if (seen < floor) stale.push(`read v${seen} after the PATCH to v${floor} had returned`);
          // An in-process hit never touches I/O: yield, or the readers starve the writer.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const loops = Array.from({ length: readers }, () => readLoop());
      try {
        for (let v = 1; v <= writes; v += 1) {
          const patch = await patchPost(t, post.id, author.token, { title: `v${v}` });
          expect(ok<PostBody>(patch).title).toBe(`v${v}`);
          returned = v;
          expect(version(await getPost(t, post.id, reader.token))).toBe(v);
          // Let the readers run a little between writes, so that hits happen.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        done = true;
        await Promise.all(loops);
      }
      expect(stale).toEqual([]);
      expect(reads).toBeGreaterThan(writes);
      expect(hits).toBeGreaterThan(0);
    });

    it('20 concurrent GETs of a cold key answer the post, the first a MISS, then a HIT', async () => {
      // That they share one database load (single flight) is resource-cache.service.spec.ts.
      const author = await signUp(t);
      const post = await createPost(t, author, { title: 'single flight' });
      await getUser(t, reader.id, reader.token); // the reader's own token check is warm
      const concurrency = 20;
      const responses = await Promise.all(
        Array.from({ length: concurrency }, () => getPost(t, post.id, reader.token)),
      );
      for (const response of responses) {
        expect(ok<PostBody>(response).title).toBe('single flight');
        // Ungated, a reader may start after the first load has filled the entry.
        expect(['MISS', 'HIT']).toContain(xCache(response));
      }
      expect(xCache(responses[0])).toBe('MISS');
      expect(xCache(await getPost(t, post.id, reader.token))).toBe('HIT');
    });

    it('the per-request token check reads the user from the cache', async () => {
      const user = await signUp(t);
      const repository = t.app.get<object>(getRepositoryToken(User));
      let userLoads = 0;
      // UsersService loads a user with one fixed statement through the repository.
      const restore = intercept(repository, 'query', (original) => (...args) => {
        if ((args[1] as unknown[] | undefined)?.[0] === user.id) userLoads += 1;
        return original(...args);
      });
      const list = () =>
        within(
          t.request({ method: 'GET', url: '/posts?per_page=1', headers: bearer(user.token) }),
          'GET /posts',
        );
      try {
        expect((await list()).statusCode).toBe(200); // warms user:{id}, whatever came before
        userLoads = 0;
        for (let i = 0; i < 3; i += 1) expect((await list()).statusCode).toBe(200);
        expect(userLoads).toBe(0);

        // A write to the user invalidates it: the next check loads it once, then hits again.
        expect((await patchUser(t, user.id, user.token, { name: 'Renamed' })).statusCode).toBe(200);
        userLoads = 0;
        expect((await list()).statusCode).toBe(200);
        expect(userLoads).toBe(1);
        expect((await list()).statusCode).toBe(200);
        expect(userLoads).toBe(1);
      } finally {
        restore();
      }
    });
  });
});
