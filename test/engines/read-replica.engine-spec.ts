import { bearer, createPost, signUp, type SignedUpUser } from '../support/fixtures.js';
import { eventually } from '../support/built-service.js';
import { PostgresCluster } from '../support/postgres-cluster.js';
import { teardown } from '../support/teardown.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import type { ResolvedDatabase } from '../../src/database/resolve-database.js';

/**
 * Issue 16: list pages from a streaming replica (pg_basebackup of a private primary, both
 * PostgreSQL 15), everything that must not lag from the primary; a replica that dies or was
 * never there costs no request; a standby named as the primary answers writes 503.
 */
/** Fixed ports, below the kernel's ephemeral range (see test/support/fixed-port.ts). */
const PRIMARY_PORT = 21401;
const REPLICA_PORT = 21402;
const NOTHING_LISTENS_PORT = 21403;

interface Listed {
  data: { id: string; title: string }[];
}

describe('read replicas', () => {
  let primary: PostgresCluster;
  let replica: PostgresCluster;
  let t: TestApp;
  let author: SignedUpUser;
  const onPrimary = (): ResolvedDatabase => ({
    url: primary.url('app'),
    embedded: false,
    stop: () => Promise.resolve(),
  });

  beforeAll(async () => {
    primary = await PostgresCluster.create(PRIMARY_PORT);
    await primary.query('CREATE DATABASE app');
    replica = await PostgresCluster.replicaOf(primary, REPLICA_PORT);
    t = await createTestApp({ DATABASE_REPLICA_URLS: replica.url('app') }, onPrimary());
  }, 120_000);

  afterAll(() =>
    teardown(
      () => t?.close(),
      () => replica?.destroy(),
      () => primary?.destroy(),
    ),
  );

  const titles = async (url: string): Promise<string[]> => {
    const response = await t.request({ method: 'GET', url, headers: bearer(author.token) });
    expect(response.statusCode).toBe(200);
    return response.json<Listed>().data.map((post) => post.title);
  };

  it('serves lists from the replica, and reads by id and after writes from the primary', async () => {
    author = await signUp(t);
    const before = await createPost(t, author, { title: 'before the pause' });
    await eventually(
      async () =>
        (await replica.query('SELECT 1 FROM posts WHERE public_id = $1', [before.id], 'app'))
          .length === 1,
    );
    await replica.query('SELECT pg_wal_replay_pause()');
    await eventually(
      async () =>
        (
          await replica.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state')
        )[0].state === 'paused',
    );

    const after = await createPost(t, author, { title: 'after the pause' });
    // The lists come from the paused replica: the new post is not there yet.
    expect(await titles('/posts')).toEqual(['before the pause']);
    expect(await titles(`/users/${author.id}/posts`)).toEqual(['before the pause']);
    // By id, from the primary (the cache's loads never read a replica).
    const byId = await t.request({
      method: 'GET',
      url: `/posts/${after.id}`,
      headers: bearer(author.token),
    });
    expect(byId.statusCode).toBe(200);
    // Read-your-writes: a write's answer and the read after it show the write.
    const patched = await t.request({
      method: 'PATCH',
      url: `/posts/${before.id}`,
      headers: bearer(author.token),
      payload: { title: 'changed while paused' },
    });
    expect(patched.json<{ data: { title: string } }>().data.title).toBe('changed while paused');
    const reread = await t.request({
      method: 'GET',
      url: `/posts/${before.id}`,
      headers: bearer(author.token),
    });
    expect(reread.headers['x-cache']).toBe('MISS');
    expect(reread.json<{ data: { title: string } }>().data.title).toBe('changed while paused');
    expect(await titles('/posts')).toEqual(['before the pause']);
    // Authentication reads the primary: a user created after the pause logs in.
    const late = await signUp(t);
    expect(
      (await t.request({ method: 'GET', url: '/auth/me', headers: bearer(late.token) })).statusCode,
    ).toBe(200);
  });

  it('answers writes 503 when the primary named is a read-only standby, and starts', async () => {
    const standby = await createTestApp(
      {
        JWT_SECRET: t.config.jwt.secret,
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'an admin password',
      },
      { url: replica.url('app'), embedded: false, stop: () => Promise.resolve() },
    );
    try {
      const write = await standby.request({
        method: 'POST',
        url: '/users',
        payload: { email: 'new@example.com', name: 'New', password: 'correct horse battery' },
      });
      expect(write.statusCode).toBe(503);
      expect(write.headers['retry-after']).toMatch(/^\d+$/);
      expect(write.json<{ error: { message: string } }>().error.message).toMatch(/read-only/);
      const read = await standby.request({
        method: 'GET',
        url: '/posts',
        headers: bearer(author.token),
      });
      expect(read.statusCode).toBe(200);
    } finally {
      await standby.close();
    }
  });

  it('keeps serving every request when the replica dies, the first one after included', async () => {
    await replica.stop('immediate');
    const statuses: number[] = [];
    for (let n = 0; n < 10; n += 1) {
      for (const url of ['/posts', `/users/${author.id}/posts`, '/users']) {
        const response = await t.request({ method: 'GET', url, headers: bearer(author.token) });
        statuses.push(response.statusCode);
      }
    }
    expect(statuses).toEqual(statuses.map(() => 200));
    // From the primary now: the post made after the pause is listed.
    expect(await titles('/posts')).toEqual(['after the pause', 'changed while paused']);
    expect((await t.request({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });

  it('starts and serves lists with a replica that was never there', async () => {
    const lonely = await createTestApp(
      {
        JWT_SECRET: t.config.jwt.secret,
        DATABASE_REPLICA_URLS: `postgres://postgres@127.0.0.1:${NOTHING_LISTENS_PORT}/app`,
      },
      onPrimary(),
    );
    try {
      const statuses = [];
      for (let n = 0; n < 5; n += 1) {
        const response = await lonely.request({
          method: 'GET',
          url: '/posts',
          headers: bearer(author.token),
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect((await lonely.request({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    } finally {
      await lonely.close();
    }
  });
});
