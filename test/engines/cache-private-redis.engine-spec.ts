import {
  expectNotFound,
  getPost,
  getUser,
  ok,
  patchPost,
  patchUser,
  readUntilHit,
  xCache,
} from '../support/cache-requests.js';
import { bearer, createPost, signUp } from '../support/fixtures.js';
import { PrivateRedis, startRedisServer, stopAllRedisServers } from '../support/redis-server.js';
import type { PostBody, UserBody } from '../support/api-expectations.js';
import { type AppPair, createAppPair } from '../support/app-pair.js';
import { createTestApp, TestApp } from '../support/test-app.js';
import { within } from '../support/within.js';

/**
 * API.md, Caching, the cases that need a Redis server of their own (a private redis-server per
 * describe or test, test/support/redis-server.ts): two instances see each other's
 * invalidations, and no write that has returned is followed by a stale read when Redis pauses,
 * dies or comes back. The cache within one instance: test/cache.e2e-spec.ts.
 */

afterAll(() => stopAllRedisServers());

/** Two app instances on one database and one Redis namespace, with one JWT key. */
describe('two instances sharing one Redis and one database', () => {
  let redis: PrivateRedis;
  let pair: AppPair;

  beforeAll(async () => {
    redis = await startRedisServer();
    pair = await createAppPair(redis.url);
  });
  afterAll(async () => {
    await pair?.close();
    await redis?.stop();
  });

  it("see each other's invalidations: a write on A, the new value on B", async () => {
    const { a, b } = pair;
    const author = await signUp(a);
    const reader = await signUp(a);
    const post = await createPost(a, author, { title: 'written on A' });

    await readUntilHit(
      () => getPost(b, post.id, reader.token),
      (response) => expect(ok<PostBody>(response).title).toBe('written on A'),
    );
    // B's entry is shared: A hits it too.
    expect(xCache(await getPost(a, post.id, reader.token))).toBe('HIT');

    expect(
      ok<PostBody>(await patchPost(a, post.id, author.token, { title: 'patched on A' })).title,
    ).toBe('patched on A');
    const onB = await getPost(b, post.id, reader.token);
    expect(ok<PostBody>(onB).title).toBe('patched on A');
    expect(xCache(onB)).toBe('MISS');

    // And the other way round.
    expect(
      ok<PostBody>(await patchPost(b, post.id, author.token, { title: 'patched on B' })).title,
    ).toBe('patched on B');
    expect(ok<PostBody>(await getPost(a, post.id, reader.token)).title).toBe('patched on B');
  });

  it('a user deleted on A is gone on B at once: 404, and their token is refused', async () => {
    const { a, b } = pair;
    const user = await signUp(a);
    const reader = await signUp(a);
    const post = await createPost(a, user, { title: 'by a soon deleted user' });
    await readUntilHit(
      () => getPost(b, post.id, user.token), // also caches the user for B's token check
      (response) => expect(response.statusCode).toBe(200),
    );
    await readUntilHit(
      () => getUser(b, user.id, reader.token),
      (response) => expect(response.statusCode).toBe(200),
    );

    const deleted = await a.request({
      method: 'DELETE',
      url: `/users/${user.id}`,
      headers: bearer(user.token),
    });
    expect(deleted.statusCode).toBe(204);

    expectNotFound(await getUser(b, user.id, reader.token));
    expectNotFound(await getPost(b, post.id, reader.token));
    expect((await getPost(b, post.id, user.token)).statusCode).toBe(401);
  });
});

describe('when Redis is in trouble (a private redis-server per test)', () => {
  let redis: PrivateRedis | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await redis?.stop();
    t = undefined;
    redis = undefined;
  });

  /** An app on a private Redis, a post by `author`, cached and answering HIT. */
  async function setUp(options: { persistent?: boolean } = {}) {
    redis = await startRedisServer(options);
    t = await createTestApp({ REDIS_URL: redis.url });
    const app = t;
    const author = await signUp(app, { name: 'Author Before' });
    const reader = await signUp(app);
    const post = await createPost(app, author, { title: 'before' });
    await readUntilHit(
      () => getPost(app, post.id, reader.token),
      (response) => expect(ok<PostBody>(response).title).toBe('before'),
    );
    return { app, redis, author, reader, post };
  }

  async function expectReady(app: TestApp): Promise<void> {
    const ready = await within(app.request({ method: 'GET', url: '/ready' }), 'GET /ready');
    expect({ status: ready.statusCode, body: ready.body }).toEqual({
      status: 200,
      body: expect.any(String),
    });
  }

  it('paused (SIGSTOP): reads and writes answer from the database, /ready stays 200, and no stale read follows SIGCONT', async () => {
    const { app, redis, author, reader, post } = await setUp();

    redis.pause();
    expect(ok<PostBody>(await getPost(app, post.id, reader.token)).title).toBe('before');
    expect(ok<UserBody>(await getUser(app, author.id, reader.token)).name).toBe('Author Before');
    await expectReady(app);

    const patch = await patchPost(app, post.id, author.token, { title: 'written while paused' });
    expect(ok<PostBody>(patch).title).toBe('written while paused');
    const rename = await patchUser(app, author.id, author.token, { name: 'Author Paused' });
    expect(ok<UserBody>(rename).name).toBe('Author Paused');
    expect(ok<PostBody>(await getPost(app, post.id, reader.token)).title).toBe(
      'written while paused',
    );
    const signUpWhilePaused = await within(signUp(app), 'sign-up while Redis is paused');
    expect(signUpWhilePaused.id).toEqual(expect.any(String));
    await expectReady(app);

    redis.resume();
    expect(ok<PostBody>(await getPost(app, post.id, reader.token)).title).toBe(
      'written while paused',
    );
    expect(ok<UserBody>(await getUser(app, author.id, reader.token)).name).toBe('Author Paused');
    await readUntilHit(
      () => getPost(app, post.id, reader.token),
      (response) => expect(ok<PostBody>(response).title).toBe('written while paused'),
    );
  });

  it('paused (SIGSTOP): the app still shuts down, without waiting for Redis', async () => {
    const { app, redis, author, reader, post } = await setUp();

    redis.pause();
    // Commands now wait for replies that will not come before SIGCONT.
    expect(ok<PostBody>(await getPost(app, post.id, reader.token)).title).toBe('before');
    expect((await patchPost(app, post.id, author.token, { title: 'after' })).statusCode).toBe(200);

    t = undefined; // closed here, not by afterEach
    await within(app.close(), 'closing the app while Redis is paused', 10_000);
  });

  it('killed: reads and writes still answer from the database, /ready stays 200', async () => {
    const { app, redis, author, reader, post } = await setUp();

    await redis.kill();
    expect(ok<PostBody>(await getPost(app, post.id, reader.token)).title).toBe('before');
    expect(ok<UserBody>(await getUser(app, author.id, reader.token)).name).toBe('Author Before');
    await expectReady(app);
    const patch = await patchPost(app, post.id, author.token, { title: 'written while down' });
    expect(ok<PostBody>(patch).title).toBe('written while down');
    const got = await getPost(app, post.id, reader.token);
    expect(ok<PostBody>(got).title).toBe('written while down');
    expect(xCache(got)).toBe('MISS');
    const newcomer = await within(signUp(app), 'sign-up while Redis is down');
    expect((await createPost(app, newcomer, { title: 'posted while down' })).title).toBe(
      'posted while down',
    );
    await expectReady(app);
  });

  // With its data, the old entry and its generation come back from disk: the failed
  // invalidation must not let them be served.
  it.each([
    {
      persistent: false,
      what: 'restarted on the same port: the app reconnects by itself and HITs again, with the write made while it was down',
    },
    {
      persistent: true,
      what: 'restarted with its data (append-only file): a write made while it was down is not followed by a stale read',
    },
  ])('$what', async ({ persistent }) => {
    const { app, redis, author, reader, post } = await setUp({ persistent });

    await redis.kill();
    const patch = await patchPost(app, post.id, author.token, { title: 'written while down' });
    expect(ok<PostBody>(patch).title).toBe('written while down');
    await redis.restart();

    await readUntilHit(
      () => getPost(app, post.id, reader.token),
      (response) => expect(ok<PostBody>(response).title).toBe('written while down'),
    );
  });

  it('restarted with its data while the instance that wrote is gone: the other instance serves no stale read', async () => {
    redis = await startRedisServer({ persistent: true });
    const pair = await createAppPair(redis.url);
    try {
      const { a, b } = pair;
      const author = await signUp(a);
      const reader = await signUp(a);
      const post = await createPost(a, author, { title: 'before' });
      await readUntilHit(
        () => getPost(b, post.id, reader.token),
        (response) => expect(ok<PostBody>(response).title).toBe('before'),
      );

      await redis.kill();
      const patch = await patchPost(a, post.id, author.token, { title: 'written on A while down' });
      expect(ok<PostBody>(patch).title).toBe('written on A while down');
      await a.close(); // A, which alone saw its invalidation fail, stops before Redis returns
      await redis.restart();

      await readUntilHit(
        () => getPost(b, post.id, reader.token),
        (response) => expect(ok<PostBody>(response).title).toBe('written on A while down'),
      );
    } finally {
      await pair.close();
    }
  });
});
