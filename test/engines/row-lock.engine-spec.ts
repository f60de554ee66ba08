import { Client } from 'pg';
import { createPost, bearer, signUp } from '../support/fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import type { ResolvedDatabase } from '../../src/database/resolve-database.js';

/**
 * Issue 14, defect 9: one row held locked by another session must not empty the pool nor fail
 * readiness. Needs a real PostgreSQL (PGlite has one session, so nothing else can hold a lock):
 * TEST_DATABASE_URL, or the machine's server on 127.0.0.1:5432.
 */
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

describe('a row locked by another session', () => {
  let database: ResolvedDatabase;
  let t: TestApp;
  let locker: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await createTestApp({ DATABASE_POOL_MAX: '10' }, database);
    locker = new Client({ connectionString: database.url });
    await locker.connect();
  });

  afterAll(async () => {
    await locker.end();
    await t.close();
    await database.stop();
  });

  it('answers the writes that wait for it 503 with Retry-After, while others and /ready are served', async () => {
    const author = await signUp(t);
    const locked = await createPost(t, author, { title: 'locked' });
    const other = await createPost(t, author, { title: 'other' });

    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM posts WHERE public_id = $1 FOR UPDATE', [locked.id]);
    try {
      const patches = Array.from({ length: 20 }, (_, n) =>
        t.request({
          method: 'PATCH',
          url: `/posts/${locked.id}`,
          headers: bearer(author.token),
          payload: { title: `patch ${n}` },
        }),
      );
      // While the PATCHes wait for the lock: another post, another user's view, and readiness.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const during = await Promise.all([
        t.request({ method: 'GET', url: '/ready' }),
        t.request({ method: 'GET', url: `/posts/${other.id}`, headers: bearer(author.token) }),
        t.request({
          method: 'PATCH',
          url: `/posts/${other.id}`,
          headers: bearer(author.token),
          payload: { title: 'other, changed' },
        }),
        t.request({ method: 'GET', url: '/posts', headers: bearer(author.token) }),
      ]);
      expect(during.map((response) => response.statusCode)).toEqual([200, 200, 200, 200]);

      const answers = await Promise.all(patches);
      for (const answer of answers) {
        expect(answer.statusCode).toBe(503);
        expect(answer.headers['retry-after']).toMatch(/^\d+$/);
        expect(answer.json<{ error: { message: string } }>().error.message).toMatch(/locked/i);
      }
      expect((await t.request({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    } finally {
      await locker.query('ROLLBACK');
    }

    // Released: the retry the 503 asked for succeeds.
    const retry = await t.request({
      method: 'PATCH',
      url: `/posts/${locked.id}`,
      headers: bearer(author.token),
      payload: { title: 'after the lock' },
    });
    expect(retry.statusCode).toBe(200);
  });
});
