import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { MAX_PAGE } from '../src/common/pagination/page-query.dto.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import { createTestApp, TestApp } from './support/test-app.js';

/**
 * Pagination of the lists (API.md, Pagination): GET /posts, GET /users, GET /users/:id/posts.
 * Rows are seeded with raw SQL; the expected order is always read back from the database with
 * the contract's ORDER BY, so every comparison is against what the rows really are.
 */

interface ListItem {
  id: string;
  author_id?: string;
  created_at: string;
}

interface PageMeta {
  page?: number;
  per_page: number;
  total: number;
  total_is_estimate?: boolean;
  next_cursor: string | null;
}

interface ListBody {
  data: ListItem[];
  meta: PageMeta;
}

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { field: string; message: string }[];
    request_id: string;
  };
}

/** No throttling in the way of the many requests a walk makes (the names are API.md's). */
const GENEROUS_LIMITS = { RATE_LIMIT_MAX: '1000000', AUTH_RATE_LIMIT_MAX: '1000' };

/** A walk that has not ended after this many pages is broken (it would loop forever). */
const MAX_PAGES_PER_WALK = 500;

type Query = Record<string, string | number>;

function get(t: TestApp, user: SignedUpUser, path: string, query: Query = {}) {
  const search = new URLSearchParams(
    Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
  return t.request({
    method: 'GET',
    url: search ? `${path}?${search}` : path,
    headers: bearer(user.token),
  });
}

async function getPage(
  t: TestApp,
  user: SignedUpUser,
  path: string,
  query: Query = {},
): Promise<ListBody> {
  const response = await get(t, user, path, query);
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status: 200,
    body: expect.any(String),
  });
  return response.json<ListBody>();
}

function idsOf(body: ListBody): string[] {
  return body.data.map((item) => item.id);
}

/** Asserts a 422 VALIDATION_ERROR whose details are exactly one entry, for `field`. */
function expectValidationErrorOn(response: InjectResponse, field: string): void {
  expect(response.statusCode).toBe(422);
  const { error } = response.json<ErrorBody>();
  expect(error.code).toBe('VALIDATION_ERROR');
  expect(error.request_id).toEqual(expect.any(String));
  expect(error.details).toEqual([{ field, message: expect.any(String) }]);
}

async function internalIdOf(t: TestApp, user: SignedUpUser): Promise<number> {
  const rows = await t.sql<{ id: number }>('SELECT id FROM users WHERE public_id = $1', [user.id]);
  if (rows.length !== 1) throw new Error(`no user row for ${user.id}`);
  return Number(rows[0].id);
}

/**
 * Inserts `count` posts in one statement, authors taken round-robin from `authors`, one second
 * apart and all newer than any post already there.
 */
async function seedPosts(t: TestApp, count: number, authors: SignedUpUser[]): Promise<void> {
  const authorIds = await Promise.all(authors.map((author) => internalIdOf(t, author)));
  await t.sql(
    `INSERT INTO posts (user_id, title, body, created_at, updated_at)
     SELECT ($1::int[])[1 + (g % cardinality($1::int[]))],
            'Seeded post ' || g,
            'Body of seeded post ' || g,
            start.at + g * interval '1 second',
            start.at + g * interval '1 second'
     FROM (SELECT COALESCE(max(created_at), '2026-01-01T00:00:00Z'::timestamptz) AS at
           FROM posts) AS start,
          generate_series(1, $2::int) AS g`,
    [authorIds, count],
  );
}

/** The live posts (of live authors) in the contract's order, optionally of one author. */
async function expectedPostIds(t: TestApp, author?: SignedUpUser): Promise<string[]> {
  const rows = await t.sql<{ public_id: string }>(
    `SELECT p.public_id
     FROM posts p JOIN users u ON u.id = p.user_id
     WHERE p.deleted_at IS NULL AND u.deleted_at IS NULL
       AND ($1::uuid IS NULL OR u.public_id = $1::uuid)
     ORDER BY p.created_at DESC, p.id DESC`,
    [author?.id ?? null],
  );
  return rows.map((row) => row.public_id);
}

async function softDeletePosts(t: TestApp, publicIds: string[]): Promise<void> {
  await t.sql('UPDATE posts SET deleted_at = now() WHERE public_id = ANY($1::uuid[])', [publicIds]);
}

/** Follows next_cursor from the first page until it is null; checks every page on the way. */
async function walkByCursor(
  t: TestApp,
  user: SignedUpUser,
  path: string,
  perPage: number,
): Promise<{ ids: string[]; pages: ListBody[] }> {
  const pages: ListBody[] = [];
  let cursor: string | null = null;
  do {
    if (pages.length >= MAX_PAGES_PER_WALK) throw new Error(`${path}: cursor walk never ended`);
    const body = await getPage(
      t,
      user,
      path,
      cursor === null ? { per_page: perPage } : { per_page: perPage, cursor },
    );
    pages.push(body);
    cursor = body.meta.next_cursor;
    if (cursor !== null) expect(body.data).toHaveLength(perPage);
  } while (cursor !== null);
  return { ids: pages.flatMap(idsOf), pages };
}

/** Reads page 1, 2, ... until a page says it is the last (next_cursor null). */
async function walkByPage(
  t: TestApp,
  user: SignedUpUser,
  path: string,
  perPage: number,
): Promise<{ ids: string[]; pages: ListBody[] }> {
  const pages: ListBody[] = [];
  for (let page = 1; page <= MAX_PAGES_PER_WALK; page += 1) {
    const body = await getPage(t, user, path, { per_page: perPage, page });
    expect(body.meta.page).toBe(page);
    pages.push(body);
    if (body.meta.next_cursor === null) return { ids: pages.flatMap(idsOf), pages };
    expect(body.data).toHaveLength(perPage);
  }
  throw new Error(`${path}: page walk never ended`);
}

function expectEachOnce(ids: string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
}

describe('pagination', () => {
  let t: TestApp;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp(GENEROUS_LIMITS);
    alice = await signUp(t, { name: 'Alice' });
    bob = await signUp(t, { name: 'Bob' });
  });

  afterAll(() => t.close());

  // Every test states the posts it needs.
  beforeEach(() => t.sql('DELETE FROM posts'));

  describe('defaults and the meta object', () => {
    it('offset mode by default: page 1, 20 per page, meta has exactly page/per_page/total/next_cursor', async () => {
      await seedPosts(t, 25, [alice, bob]);
      const response = await get(t, alice, '/posts');

      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json<ListBody>();
      expect(Object.keys(body).sort()).toEqual(['data', 'meta']);
      expect(body.data).toHaveLength(20);
      expect(Object.keys(body.meta).sort()).toEqual(['next_cursor', 'page', 'per_page', 'total']);
      expect(body.meta).toEqual({
        page: 1,
        per_page: 20,
        total: 25,
        next_cursor: expect.any(String),
      });
    });

    it('cursor mode: meta has per_page/total/next_cursor and no page; total is the whole list', async () => {
      await seedPosts(t, 25, [alice]);
      const first = await getPage(t, alice, '/posts');
      const second = await getPage(t, alice, '/posts', { cursor: first.meta.next_cursor! });

      expect(Object.keys(second.meta).sort()).toEqual(['next_cursor', 'per_page', 'total']);
      expect(second.meta).toEqual({ per_page: 20, total: 25, next_cursor: null });
      expect(second.data).toHaveLength(5);
    });

    it('GET /users and GET /users/:id/posts have the same shape', async () => {
      await seedPosts(t, 3, [alice]);
      const users = await getPage(t, alice, '/users', { per_page: 1 });
      expect(Object.keys(users.meta).sort()).toEqual(['next_cursor', 'page', 'per_page', 'total']);
      expect(users.meta).toMatchObject({ page: 1, per_page: 1, next_cursor: expect.any(String) });
      expect(users.meta.total).toBeGreaterThanOrEqual(2);

      const nextUsers = await getPage(t, alice, '/users', {
        per_page: 1,
        cursor: users.meta.next_cursor!,
      });
      expect(Object.keys(nextUsers.meta).sort()).toEqual(['next_cursor', 'per_page', 'total']);

      const posts = await getPage(t, alice, `/users/${alice.id}/posts`);
      expect(posts.meta).toEqual({ page: 1, per_page: 20, total: 3, next_cursor: null });
    });

    it('an empty list is data [] with total 0 and next_cursor null', async () => {
      expect(await getPage(t, alice, '/posts')).toEqual({
        data: [],
        meta: { page: 1, per_page: 20, total: 0, next_cursor: null },
      });
      expect(await getPage(t, alice, `/users/${bob.id}/posts`, { per_page: 5 })).toEqual({
        data: [],
        meta: { page: 1, per_page: 5, total: 0, next_cursor: null },
      });
    });

    it('the last page says next_cursor: null, also when it is exactly full', async () => {
      await seedPosts(t, 10, [alice]);
      const exactlyFull = await getPage(t, alice, '/posts', { per_page: 10 });
      expect(exactlyFull.data).toHaveLength(10);
      expect(exactlyFull.meta.next_cursor).toBeNull();

      const notLast = await getPage(t, alice, '/posts', { per_page: 9 });
      expect(notLast.meta.next_cursor).toEqual(expect.any(String));
      const last = await getPage(t, alice, '/posts', {
        per_page: 9,
        cursor: notLast.meta.next_cursor!,
      });
      expect(last.data).toHaveLength(1);
      expect(last.meta.next_cursor).toBeNull();
    });
  });

  describe('order: newest first', () => {
    it('lists posts created through the API newest first', async () => {
      const created: string[] = [];
      for (const title of ['first', 'second', 'third']) {
        created.push((await createPost(t, alice, { title })).id);
      }
      const body = await getPage(t, alice, '/posts');

      expect(idsOf(body)).toEqual([...created].reverse());
      const times = body.data.map((item) => Date.parse(item.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('orders by created_at DESC, id DESC, whatever the insertion order', async () => {
      await seedPosts(t, 30, [alice, bob]);
      // Shuffle the timestamps against the ids: newest rows are no longer the highest ids.
      await t.sql(
        `UPDATE posts SET created_at = '2026-01-01T00:00:00Z'::timestamptz
                                      + ((id * 17) % 30) * interval '1 minute'`,
      );
      const expected = await expectedPostIds(t);
      const byIdDesc = (
        await t.sql<{ public_id: string }>('SELECT public_id FROM posts ORDER BY id DESC')
      ).map((row) => row.public_id);
      expect(expected).not.toEqual(byIdDesc); // the data really tests the order

      const body = await getPage(t, alice, '/posts', { per_page: 30 });
      expect(idsOf(body)).toEqual(expected);
    });
  });

  describe('per_page and page', () => {
    it.each(['0', '101', '-1', 'abc', '1.5', ''])(
      'per_page=%p answers 422 with a detail on per_page',
      async (perPage) => {
        const response = await t.request({
          method: 'GET',
          url: `/posts?per_page=${encodeURIComponent(perPage)}`,
          headers: bearer(alice.token),
        });
        expectValidationErrorOn(response, 'per_page');
      },
    );

    it('a repeated per_page answers 422 with a detail on per_page', async () => {
      const response = await t.request({
        method: 'GET',
        url: '/posts?per_page=1&per_page=2',
        headers: bearer(alice.token),
      });
      expectValidationErrorOn(response, 'per_page');
    });

    it('per_page=1 and per_page=100 are accepted', async () => {
      await seedPosts(t, 105, [alice]);
      const expected = await expectedPostIds(t);

      const one = await getPage(t, alice, '/posts', { per_page: 1 });
      expect(idsOf(one)).toEqual(expected.slice(0, 1));
      expect(one.meta).toMatchObject({ per_page: 1, total: 105 });

      const hundred = await getPage(t, alice, '/posts', { per_page: 100 });
      expect(idsOf(hundred)).toEqual(expected.slice(0, 100));
      expect(hundred.meta).toMatchObject({ per_page: 100, next_cursor: expect.any(String) });
      const rest = await getPage(t, alice, '/posts', {
        per_page: 100,
        cursor: hundred.meta.next_cursor!,
      });
      expect(idsOf(rest)).toEqual(expected.slice(100));
      expect(rest.meta.next_cursor).toBeNull();
    });

    it.each(['0', '-1', 'abc', '1.5', '', String(MAX_PAGE + 1)])(
      'page=%p answers 422 with a detail on page',
      async (page) => {
        const response = await t.request({
          method: 'GET',
          url: `/posts?page=${encodeURIComponent(page)}`,
          headers: bearer(alice.token),
        });
        expectValidationErrorOn(response, 'page');
      },
    );

    it('a page past the end is empty, with next_cursor null', async () => {
      await seedPosts(t, 5, [alice]);
      expect(await getPage(t, alice, '/posts', { per_page: 5, page: 2 })).toEqual({
        data: [],
        meta: { page: 2, per_page: 5, total: 5, next_cursor: null },
      });
      const deepest = await getPage(t, alice, '/posts', { page: MAX_PAGE });
      expect(deepest.data).toEqual([]);
      expect(deepest.meta).toMatchObject({ page: MAX_PAGE, next_cursor: null });
    });

    it('page N holds rows (N-1)*per_page+1 .. N*per_page', async () => {
      await seedPosts(t, 12, [alice, bob]);
      const expected = await expectedPostIds(t);
      const third = await getPage(t, alice, '/posts', { per_page: 5, page: 3 });
      expect(idsOf(third)).toEqual(expected.slice(10, 12));
      const second = await getPage(t, alice, '/posts', { per_page: 5, page: 2 });
      expect(idsOf(second)).toEqual(expected.slice(5, 10));
    });

    it("an offset page's next_cursor continues with the following page", async () => {
      await seedPosts(t, 12, [alice]);
      const second = await getPage(t, alice, '/posts', { per_page: 4, page: 2 });
      const third = await getPage(t, alice, '/posts', { per_page: 4, page: 3 });
      const viaCursor = await getPage(t, alice, '/posts', {
        per_page: 4,
        cursor: second.meta.next_cursor!,
      });
      expect(idsOf(viaCursor)).toEqual(idsOf(third));
    });

    it.each(['page=1', 'page=2'])(
      '%s together with cursor answers 400 BAD_REQUEST',
      async (page) => {
        await seedPosts(t, 5, [alice]);
        const first = await getPage(t, alice, '/posts', { per_page: 2 });
        const response = await t.request({
          method: 'GET',
          url: `/posts?${page}&per_page=2&cursor=${encodeURIComponent(first.meta.next_cursor!)}`,
          headers: bearer(alice.token),
        });
        expect(response.statusCode).toBe(400);
        expect(response.json<ErrorBody>().error.code).toBe('BAD_REQUEST');
      },
    );

    it.each(['/posts', '/users', 'USER_POSTS'])('the same rules hold on %s', async (which) => {
      const path = which === 'USER_POSTS' ? `/users/${alice.id}/posts` : which;
      const request = (query: string) =>
        t.request({ method: 'GET', url: `${path}?${query}`, headers: bearer(alice.token) });
      expectValidationErrorOn(await request('per_page=101'), 'per_page');
      expectValidationErrorOn(await request('page=0'), 'page');
      expectValidationErrorOn(await request('cursor=garbage'), 'cursor');
      expectValidationErrorOn(await request('sort=asc'), 'sort');
    });

    it.each(['sort=created_at', 'offset=10', 'limit=5', 'PER_PAGE=5'])(
      'an unknown query parameter (%s) answers 422 naming it',
      async (query) => {
        const response = await t.request({
          method: 'GET',
          url: `/posts?per_page=5&${query}`,
          headers: bearer(alice.token),
        });
        expectValidationErrorOn(response, query.split('=')[0]);
      },
    );
  });

  describe('walking every row exactly once, in order', () => {
    const scenarios: [string, string | null][] = [
      ['distinct timestamps', null],
      ['every row at the same instant', `UPDATE posts SET created_at = '2026-01-01T00:00:00Z'`],
      [
        'timestamps within one millisecond, tied and apart at microsecond precision',
        `UPDATE posts SET created_at = '2026-01-01T00:00:00Z'::timestamptz
                                      + ((id * 7) % 5) * interval '1 microsecond'`,
      ],
    ];

    describe.each(scenarios)('%s', (name, reshape) => {
      beforeEach(async () => {
        await seedPosts(t, 45, [alice, bob, alice]); // alice 30, bob 15, interleaved
        if (reshape) await t.sql(reshape);
      });

      it('the data is what the scenario says', async () => {
        const [stats] = await t.sql<{ instants: string; milliseconds: string }>(
          `SELECT count(DISTINCT created_at) AS instants,
                  count(DISTINCT date_trunc('milliseconds', created_at)) AS milliseconds
           FROM posts`,
        );
        const expected = {
          'distinct timestamps': { instants: 45, milliseconds: 45 },
          'every row at the same instant': { instants: 1, milliseconds: 1 },
          'timestamps within one millisecond, tied and apart at microsecond precision': {
            instants: 5,
            milliseconds: 1,
          },
        }[name];
        expect({
          instants: Number(stats.instants),
          milliseconds: Number(stats.milliseconds),
        }).toEqual(expected);
      });

      it.each([7, 9, 1])('GET /posts by cursor, %p per page', async (perPage) => {
        const expected = await expectedPostIds(t);
        const { ids, pages } = await walkByCursor(t, alice, '/posts', perPage);
        expect(ids).toEqual(expected);
        expectEachOnce(ids);
        expect(pages).toHaveLength(Math.ceil(45 / perPage));
        for (const page of pages) expect(page.meta.total).toBe(45);
      });

      it.each([7, 9])('GET /posts by page, %p per page', async (perPage) => {
        const expected = await expectedPostIds(t);
        const { ids, pages } = await walkByPage(t, alice, '/posts', perPage);
        expect(ids).toEqual(expected);
        expectEachOnce(ids);
        expect(pages).toHaveLength(Math.ceil(45 / perPage));
      });

      it('GET /users/:id/posts by cursor and by page', async () => {
        const expected = await expectedPostIds(t, alice);
        expect(expected).toHaveLength(30);
        const byCursor = await walkByCursor(t, bob, `/users/${alice.id}/posts`, 4);
        expect(byCursor.ids).toEqual(expected);
        const byPage = await walkByPage(t, bob, `/users/${alice.id}/posts`, 4);
        expect(byPage.ids).toEqual(expected);
      });
    });

    it('GET /users by cursor lists every user once, newest first', async () => {
      await t.sql(
        `INSERT INTO users (email, name, password_hash, created_at)
         SELECT 'seeded' || g || '@example.com', 'Seeded ' || g, 'not-a-real-hash',
                '2026-01-01T00:00:00Z'::timestamptz + (g % 3) * interval '1 microsecond'
         FROM generate_series(1, 23) AS g`,
      );
      const expected = (
        await t.sql<{ public_id: string }>(
          'SELECT public_id FROM users WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC',
        )
      ).map((row) => row.public_id);
      const { ids } = await walkByCursor(t, alice, '/users', 4);
      expect(ids).toEqual(expected);
      expectEachOnce(ids);
      const byPage = await walkByPage(t, alice, '/users', 6);
      expect(byPage.ids).toEqual(expected);
    });
  });

  describe('cursor integrity', () => {
    let cursor: string;

    beforeEach(async () => {
      await seedPosts(t, 10, [alice]);
      cursor = (await getPage(t, alice, '/posts', { per_page: 3 })).meta.next_cursor!;
      expect(cursor).toEqual(expect.any(String));
    });

    const withCursor = (value: string, path = '/posts') =>
      t.request({
        method: 'GET',
        url: `${path}?per_page=3&cursor=${encodeURIComponent(value)}`,
        headers: bearer(alice.token),
      });

    it('the cursor itself is accepted (control)', async () => {
      expect((await withCursor(cursor)).statusCode).toBe(200);
    });

    it.each([
      ['plain words', 'not-a-cursor'],
      ['punctuation', '!!!???***'],
      ['a long string', 'A'.repeat(600)],
      ['JSON', '{"list":"posts","id":1}'],
      ['base64url JSON', Buffer.from('{"list":"posts","id":1}').toString('base64url')],
    ])('a garbled cursor (%s) answers 422 on cursor', async (_label, garbled) => {
      expectValidationErrorOn(await withCursor(garbled), 'cursor');
    });

    it('a truncated cursor answers 422 on cursor', async () => {
      expectValidationErrorOn(await withCursor(cursor.slice(0, -1)), 'cursor');
      expectValidationErrorOn(await withCursor(cursor.slice(0, cursor.length / 2)), 'cursor');
    });

    it('a cursor with one byte flipped answers 422 on cursor', async () => {
      const raw = Buffer.from(cursor, 'base64url');
      for (const index of [0, Math.floor(raw.length / 2), raw.length - 1]) {
        const flipped = Buffer.from(raw);
        flipped[index] ^= 0x01;
        expectValidationErrorOn(await withCursor(flipped.toString('base64url')), 'cursor');
      }
    });

    it("another list's cursor answers 422 on cursor", async () => {
      const usersCursor = (await getPage(t, alice, '/users', { per_page: 1 })).meta.next_cursor!;
      expectValidationErrorOn(await withCursor(usersCursor, '/posts'), 'cursor');
      expectValidationErrorOn(await withCursor(cursor, '/users'), 'cursor');
    });

    it('continues correctly when the row it points at was soft-deleted afterwards', async () => {
      const expected = await expectedPostIds(t);
      const deleted = await t.request({
        method: 'DELETE',
        url: `/posts/${expected[2]}`, // the last row of the first page: the cursor's row
        headers: bearer(alice.token),
      });
      expect(deleted.statusCode).toBe(204);

      const next = await getPage(t, alice, '/posts', { per_page: 3, cursor });
      expect(idsOf(next)).toEqual(expected.slice(3, 6));
      expect(next.meta.total).toBe(9);

      const rest = await getPage(t, alice, '/posts', {
        per_page: 10,
        cursor: next.meta.next_cursor!,
      });
      expect(idsOf(rest)).toEqual(expected.slice(6));
    });

    it('is stable when newer rows arrive between pages (nothing repeats)', async () => {
      const expected = await expectedPostIds(t);
      await seedPosts(t, 4, [bob]); // all newer than the existing rows
      const next = await getPage(t, alice, '/posts', { per_page: 3, cursor });
      expect(idsOf(next)).toEqual(expected.slice(3, 6));
    });
  });

  describe('GET /users/:id/posts', () => {
    it("lists only that user's posts, with an exact total", async () => {
      await seedPosts(t, 17, [alice, bob]); // bob 9, alice 8, interleaved
      const expected = await expectedPostIds(t, alice);
      expect(expected).toHaveLength(8);

      const body = await getPage(t, bob, `/users/${alice.id}/posts`, { per_page: 5 });
      expect(idsOf(body)).toEqual(expected.slice(0, 5));
      expect(body.meta).toEqual({
        page: 1,
        per_page: 5,
        total: 8,
        next_cursor: expect.any(String),
      });
      for (const item of body.data) expect(item.author_id).toBe(alice.id);

      const rest = await getPage(t, bob, `/users/${alice.id}/posts`, {
        per_page: 5,
        cursor: body.meta.next_cursor!,
      });
      expect(idsOf(rest)).toEqual(expected.slice(5));
      for (const item of rest.data) expect(item.author_id).toBe(alice.id);
    });

    it('does not count soft-deleted posts', async () => {
      await seedPosts(t, 6, [alice]);
      const [gone] = await expectedPostIds(t, alice);
      await softDeletePosts(t, [gone]);
      const body = await getPage(t, alice, `/users/${alice.id}/posts`);
      expect(body.meta.total).toBe(5);
      expect(idsOf(body)).not.toContain(gone);
    });

    it('answers 404 for an unknown, malformed or deleted user', async () => {
      const carol = await signUp(t, { name: 'Carol' });
      await seedPosts(t, 2, [carol]);
      const removed = await t.request({
        method: 'DELETE',
        url: `/users/${carol.id}`,
        headers: bearer(carol.token),
      });
      expect(removed.statusCode).toBe(204);

      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', carol.id]) {
        const response = await get(t, alice, `/users/${id}/posts`);
        expect({ id, status: response.statusCode }).toEqual({ id, status: 404 });
        expect(response.json<ErrorBody>().error.code).toBe('NOT_FOUND');
      }
    });
  });

  describe('total below COUNT_ESTIMATE_THRESHOLD (default 10,000)', () => {
    it('is the exact number of live rows, even right after ANALYZE', async () => {
      await seedPosts(t, 30, [alice, bob]);
      const ids = await expectedPostIds(t);
      await softDeletePosts(t, ids.slice(0, 5));
      await t.sql('ANALYZE posts');

      const body = await getPage(t, alice, '/posts', { per_page: 1 });
      expect(body.meta.total).toBe(25);
      expect(body.meta).not.toHaveProperty('total_is_estimate');
    });
  });
});

describe('pagination: total above COUNT_ESTIMATE_THRESHOLD', () => {
  let t: TestApp;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp({ ...GENEROUS_LIMITS, COUNT_ESTIMATE_THRESHOLD: '5' });
    alice = await signUp(t, { name: 'Alice' });
    bob = await signUp(t, { name: 'Bob' });
  });

  afterAll(() => t.close());

  beforeEach(() => t.sql('DELETE FROM posts'));

  async function plannerEstimate(): Promise<number> {
    const [row] = await t.sql<{ estimate: string }>(
      `SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = 'posts'::regclass`,
    );
    return Number(row.estimate);
  }

  it('below the threshold the total stays exact', async () => {
    await seedPosts(t, 4, [alice]);
    await softDeletePosts(t, (await expectedPostIds(t)).slice(0, 1));
    await t.sql('ANALYZE posts');
    expect(await plannerEstimate()).toBeLessThan(5);

    const body = await getPage(t, alice, '/posts');
    expect(body.meta).toEqual({ page: 1, per_page: 20, total: 3, next_cursor: null });
  });

  describe('above the threshold, after ANALYZE', () => {
    let exactTotal: number;

    beforeEach(async () => {
      await seedPosts(t, 60, [alice, bob, alice]); // alice 40, bob 20
      const ids = await expectedPostIds(t);
      await softDeletePosts(
        t,
        ids.filter((_, index) => index % 4 === 0),
      );
      await t.sql('ANALYZE posts');
      exactTotal = (await expectedPostIds(t)).length;
      // Soft-deleted rows are still rows to the planner: the estimate and the exact count differ.
      expect(await plannerEstimate()).not.toBe(exactTotal);
    });

    it('the unfiltered list reports the planner estimate with total_is_estimate: true', async () => {
      const estimate = await plannerEstimate();
      expect(estimate).toBeGreaterThan(5);

      const offset = await getPage(t, alice, '/posts', { per_page: 10 });
      expect(Object.keys(offset.meta).sort()).toEqual([
        'next_cursor',
        'page',
        'per_page',
        'total',
        'total_is_estimate',
      ]);
      expect(offset.meta).toMatchObject({ total: estimate, total_is_estimate: true });

      const keyset = await getPage(t, alice, '/posts', {
        per_page: 10,
        cursor: offset.meta.next_cursor!,
      });
      expect(keyset.meta).toMatchObject({ total: estimate, total_is_estimate: true });
    });

    it('the per-user list stays exact, though it is above the threshold too', async () => {
      const expected = await expectedPostIds(t, alice);
      expect(expected.length).toBeGreaterThan(5);

      const body = await getPage(t, bob, `/users/${alice.id}/posts`, { per_page: 10 });
      expect(body.meta.total).toBe(expected.length);
      expect(body.meta.total_is_estimate).not.toBe(true);
      expect(Object.keys(body.meta).sort()).toEqual(['next_cursor', 'page', 'per_page', 'total']);
    });

    it('walking still returns every live row exactly once', async () => {
      const expected = await expectedPostIds(t);
      expect(expected).toHaveLength(exactTotal);
      const { ids } = await walkByCursor(t, alice, '/posts', 8);
      expect(ids).toEqual(expected);
    });
  });
});
