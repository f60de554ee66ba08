import { randomUUID } from 'node:crypto';
import { createTestApp, TestApp } from './support/test-app.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import {
  expectData,
  expectError,
  expectPage,
  expectPost,
  expectUnauthorized,
  expectValidationError,
  PostBody,
} from './support/api-expectations.js';

interface PostRow {
  id: number;
  user_id: number;
  title: string;
  body: string;
  deleted_at: Date | null;
}

describe('posts', () => {
  let t: TestApp;
  let author: SignedUpUser;
  let reader: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp();
    author = await signUp(t, { name: 'Author' });
    reader = await signUp(t, { name: 'Reader' });
  });
  afterAll(() => t.close());

  async function postRow(publicId: string): Promise<PostRow | undefined> {
    const [row] = await t.sql<PostRow>(
      'SELECT id, user_id, title, body, deleted_at FROM posts WHERE public_id = $1',
      [publicId],
    );
    return row;
  }

  function countPosts(where?: string, parameters?: unknown[]): Promise<number> {
    return t.count('posts', where, parameters);
  }

  async function internalUserId(publicId: string): Promise<number> {
    const [row] = await t.sql<{ id: number }>('SELECT id FROM users WHERE public_id = $1', [
      publicId,
    ]);
    return row.id;
  }

  /** Moves a post's timestamps an hour back, so a later write visibly advances updated_at. */
  async function agePost(publicId: string): Promise<void> {
    await t.sql(
      `UPDATE posts SET created_at = created_at - interval '1 hour',
                        updated_at = updated_at - interval '1 hour' WHERE public_id = $1`,
      [publicId],
    );
  }

  function createAs(user: SignedUpUser, path: string, payload: unknown) {
    return t.request({
      method: 'POST',
      url: `/users/${path}/posts`,
      headers: bearer(user.token),
      payload: payload as Record<string, unknown>,
    });
  }

  describe('POST /users/:id/posts', () => {
    it('answers 201 with Location and the post, stored for the author', async () => {
      const response = await createAs(author, author.id, {
        title: 'Notes on the Engine',
        body: 'It might compose music.',
      });

      const post = expectData<PostBody>(response, 201);
      expectPost(post);
      expect(response.headers.location).toBe(`/posts/${post.id}`);
      expect(post).toMatchObject({
        author_id: author.id,
        title: 'Notes on the Engine',
        body: 'It might compose music.',
      });
      expect(post.updated_at).toBe(post.created_at);

      const row = await postRow(post.id);
      expect(row).toMatchObject({
        user_id: await internalUserId(author.id),
        title: 'Notes on the Engine',
        body: 'It might compose music.',
        deleted_at: null,
      });
      // The serial keys never leave the server.
      expect(response.body).not.toMatch(new RegExp(`"(id|author_id|user_id)":${row?.id}\\b`));
      expect(response.body).not.toContain('user_id');
    });

    it('accepts the longest title and body', async () => {
      const post = expectData<PostBody>(
        await createAs(author, author.id, { title: 't'.repeat(200), body: 'b'.repeat(10_000) }),
        201,
      );
      expect(post.title).toHaveLength(200);
      expect(post.body).toHaveLength(10_000);
    });

    it.each([
      { problem: 'an empty body', fields: ['body', 'title'], payload: {} },
      { problem: 'a missing body', fields: ['body'], payload: { title: 'Only a title' } },
      { problem: 'a missing title', fields: ['title'], payload: { body: 'Only a body' } },
      { problem: 'an empty title', fields: ['title'], payload: { title: '', body: 'x' } },
      {
        problem: 'a 201-char title',
        fields: ['title'],
        payload: { title: 't'.repeat(201), body: 'x' },
      },
      { problem: 'an empty body text', fields: ['body'], payload: { title: 'x', body: '' } },
      {
        problem: 'a 10,001-char body',
        fields: ['body'],
        payload: { title: 'x', body: 'b'.repeat(10_001) },
      },
      { problem: 'a numeric title', fields: ['title'], payload: { title: 7, body: 'x' } },
      {
        problem: 'an unknown field (author_id)',
        fields: ['author_id'],
        payload: { title: 'x', body: 'x', author_id: randomUUID() },
      },
    ])(
      'answers 422 for $problem, naming $fields, and creates nothing',
      async ({ fields, payload }) => {
        const before = await countPosts();
        expect(expectValidationError(await createAs(author, author.id, payload))).toEqual(fields);
        expect(await countPosts()).toBe(before);
      },
    );

    it("answers 403 on another user's path and creates nothing", async () => {
      const before = await countPosts();
      expectError(
        await createAs(reader, author.id, { title: 'Impersonation', body: 'x' }),
        403,
        'FORBIDDEN',
      );
      expect(await countPosts()).toBe(before);
    });

    it('answers 401 without a token and creates nothing', async () => {
      const before = await countPosts();
      expectUnauthorized(
        await t.request({
          method: 'POST',
          url: `/users/${author.id}/posts`,
          payload: { title: 'Anonymous', body: 'x' },
        }),
      );
      expect(await countPosts()).toBe(before);
    });

    it('answers 404 for a malformed user id', async () => {
      expectError(
        await createAs(author, 'not-a-uuid', { title: 'x', body: 'x' }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('GET /posts', () => {
    it('answers 200 with {data, meta} of live posts, each a post representation', async () => {
      const mine = await createPost(t, author, { title: 'Listed' });
      const gone = await createPost(t, author, { title: 'Deleted' });
      await t.request({
        method: 'DELETE',
        url: `/posts/${gone.id}`,
        headers: bearer(author.token),
      });

      const { data, meta } = expectPage<PostBody>(
        await t.request({
          method: 'GET',
          url: '/posts?per_page=100',
          headers: bearer(reader.token),
        }),
      );

      const live = await countPosts('deleted_at IS NULL');
      expect(meta).toMatchObject({ page: 1, per_page: 100, total: live });
      expect(data).toHaveLength(live);
      data.forEach(expectPost);
      expect(data.find((post) => post.id === mine.id)).toMatchObject({
        author_id: author.id,
        title: 'Listed',
      });
      expect(data.map((post) => post.id)).not.toContain(gone.id);
    });

    it('answers 401 without a token', async () => {
      expectUnauthorized(await t.request({ method: 'GET', url: '/posts' }));
    });
  });

  describe('GET /posts/:id', () => {
    it('answers 200 with the post, for any reader', async () => {
      const created = await createPost(t, author, { title: 'Readable', body: 'Body text' });
      const post = expectData<PostBody>(
        await t.request({
          method: 'GET',
          url: `/posts/${created.id}`,
          headers: bearer(reader.token),
        }),
      );
      expectPost(post);
      expect(post).toEqual({ ...created, title: 'Readable', body: 'Body text' });
    });

    it.each([
      ['an unknown id', () => randomUUID()],
      ['a malformed id', () => 'not-a-uuid'],
    ])('answers 404 for %s', async (_label, id) => {
      expectError(
        await t.request({ method: 'GET', url: `/posts/${id()}`, headers: bearer(reader.token) }),
        404,
        'NOT_FOUND',
      );
    });

    it('answers 401 without a token', async () => {
      const created = await createPost(t, author);
      expectUnauthorized(await t.request({ method: 'GET', url: `/posts/${created.id}` }));
    });
  });

  describe('GET /users/:id/posts', () => {
    it("answers 200 with {data, meta} of that user's live posts only", async () => {
      const writer = await signUp(t);
      const kept = [await createPost(t, writer), await createPost(t, writer)];
      const gone = await createPost(t, writer);
      await t.request({
        method: 'DELETE',
        url: `/posts/${gone.id}`,
        headers: bearer(writer.token),
      });
      await createPost(t, author); // someone else's

      const { data, meta } = expectPage<PostBody>(
        await t.request({
          method: 'GET',
          url: `/users/${writer.id}/posts`,
          headers: bearer(reader.token),
        }),
      );

      expect(meta).toMatchObject({ page: 1, per_page: 20, total: 2, next_cursor: null });
      data.forEach(expectPost);
      expect(data.map((post) => post.id).sort()).toEqual(kept.map((post) => post.id).sort());
      expect(data.every((post) => post.author_id === writer.id)).toBe(true);
    });

    it('answers 200 with an empty list for a user without posts', async () => {
      const quiet = await signUp(t);
      const { data, meta } = expectPage<PostBody>(
        await t.request({
          method: 'GET',
          url: `/users/${quiet.id}/posts`,
          headers: bearer(reader.token),
        }),
      );
      expect(data).toEqual([]);
      expect(meta).toMatchObject({ total: 0, next_cursor: null });
    });

    it.each([
      ['an unknown user', () => randomUUID()],
      ['a malformed id', () => 'not-a-uuid'],
    ])('answers 404 for %s', async (_label, id) => {
      expectError(
        await t.request({
          method: 'GET',
          url: `/users/${id()}/posts`,
          headers: bearer(reader.token),
        }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('PUT /posts/:id', () => {
    it('replaces title and body and answers 200', async () => {
      const created = await createPost(t, author, { title: 'Old', body: 'Old body' });
      await agePost(created.id);

      const post = expectData<PostBody>(
        await t.request({
          method: 'PUT',
          url: `/posts/${created.id}`,
          headers: bearer(author.token),
          payload: { title: 'New', body: 'New body' },
        }),
      );

      expectPost(post);
      expect(post).toMatchObject({ id: created.id, author_id: author.id, title: 'New' });
      expect(post.body).toBe('New body');
      expect(Date.parse(post.updated_at)).toBeGreaterThan(Date.parse(post.created_at));
      expect(await postRow(created.id)).toMatchObject({ title: 'New', body: 'New body' });
    });

    it.each([
      ['body', { title: 'Only title' }],
      ['title', { body: 'Only body' }],
    ])('answers 422 naming %s when it is missing, and changes nothing', async (field, payload) => {
      const created = await createPost(t, author, { title: 'Kept', body: 'Kept body' });
      const response = await t.request({
        method: 'PUT',
        url: `/posts/${created.id}`,
        headers: bearer(author.token),
        payload,
      });

      expect(expectValidationError(response)).toEqual([field]);
      expect(await postRow(created.id)).toMatchObject({ title: 'Kept', body: 'Kept body' });
    });

    it("answers 403 on another user's post and changes nothing", async () => {
      const created = await createPost(t, author, { title: 'Mine', body: 'Mine' });
      expectError(
        await t.request({
          method: 'PUT',
          url: `/posts/${created.id}`,
          headers: bearer(reader.token),
          payload: { title: 'Defaced', body: 'Defaced' },
        }),
        403,
        'FORBIDDEN',
      );
      expect(await postRow(created.id)).toMatchObject({ title: 'Mine', body: 'Mine' });
    });

    it('answers 404 for an unknown post', async () => {
      expectError(
        await t.request({
          method: 'PUT',
          url: `/posts/${randomUUID()}`,
          headers: bearer(author.token),
          payload: { title: 'x', body: 'x' },
        }),
        404,
        'NOT_FOUND',
      );
    });

    it('answers 401 without a token', async () => {
      const created = await createPost(t, author);
      expectUnauthorized(
        await t.request({
          method: 'PUT',
          url: `/posts/${created.id}`,
          payload: { title: 'x', body: 'x' },
        }),
      );
    });
  });

  describe('PATCH /posts/:id', () => {
    it.each([
      ['the title', { title: 'Patched' }, { title: 'Patched', body: 'Original body' }],
      ['the body', { body: 'Patched body' }, { title: 'Original', body: 'Patched body' }],
    ])('changes only %s', async (_label, payload, expected) => {
      const created = await createPost(t, author, { title: 'Original', body: 'Original body' });
      await agePost(created.id);

      const post = expectData<PostBody>(
        await t.request({
          method: 'PATCH',
          url: `/posts/${created.id}`,
          headers: bearer(author.token),
          payload,
        }),
      );

      expectPost(post);
      expect(post).toMatchObject({ id: created.id, author_id: author.id, ...expected });
      expect(Date.parse(post.updated_at)).toBeGreaterThan(Date.parse(post.created_at));
      expect(await postRow(created.id)).toMatchObject(expected);
    });

    it('answers 422 for invalid and unknown fields, one detail each, and changes nothing', async () => {
      const created = await createPost(t, author, { title: 'Stays', body: 'Stays' });
      const response = await t.request({
        method: 'PATCH',
        url: `/posts/${created.id}`,
        headers: bearer(author.token),
        payload: { title: '', body: 'b'.repeat(10_001), author_id: reader.id },
      });

      expect(expectValidationError(response)).toEqual(['author_id', 'body', 'title']);
      expect(await postRow(created.id)).toMatchObject({ title: 'Stays', body: 'Stays' });
    });

    it("answers 403 on another user's post and changes nothing", async () => {
      const created = await createPost(t, author, { title: 'Mine' });
      expectError(
        await t.request({
          method: 'PATCH',
          url: `/posts/${created.id}`,
          headers: bearer(reader.token),
          payload: { title: 'Defaced' },
        }),
        403,
        'FORBIDDEN',
      );
      expect((await postRow(created.id))?.title).toBe('Mine');
    });

    it('answers 401 without a token', async () => {
      const created = await createPost(t, author);
      expectUnauthorized(
        await t.request({ method: 'PATCH', url: `/posts/${created.id}`, payload: { title: 'x' } }),
      );
    });
  });

  describe('DELETE /posts/:id (soft delete)', () => {
    let removed: { id: string };

    beforeAll(async () => {
      removed = await createPost(t, author, { title: 'To delete' });
      const response = await t.request({
        method: 'DELETE',
        url: `/posts/${removed.id}`,
        headers: bearer(author.token),
      });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
    });

    it('keeps the row, marked deleted', async () => {
      const row = await postRow(removed.id);
      expect(row?.title).toBe('To delete');
      expect(row?.deleted_at).toBeInstanceOf(Date);
    });

    it('answers 404 to reads and writes of the deleted post', async () => {
      const requests = [
        { method: 'GET' as const, headers: bearer(reader.token) },
        { method: 'PUT' as const, payload: { title: 'x', body: 'x' } },
        { method: 'PATCH' as const, payload: { title: 'x' } },
        { method: 'DELETE' as const },
      ];
      for (const request of requests) {
        expectError(
          await t.request({
            headers: bearer(author.token),
            ...request,
            url: `/posts/${removed.id}`,
          }),
          404,
          'NOT_FOUND',
        );
      }
      expect((await postRow(removed.id))?.title).toBe('To delete');
    });

    it('leaves it out of GET /posts and GET /users/:id/posts', async () => {
      for (const url of ['/posts?per_page=100', `/users/${author.id}/posts?per_page=100`]) {
        const { data } = expectPage<PostBody>(
          await t.request({ method: 'GET', url, headers: bearer(reader.token) }),
        );
        expect(data.map((post) => post.id)).not.toContain(removed.id);
      }
    });

    it("answers 403 on another user's post and deletes nothing", async () => {
      const created = await createPost(t, author);
      expectError(
        await t.request({
          method: 'DELETE',
          url: `/posts/${created.id}`,
          headers: bearer(reader.token),
        }),
        403,
        'FORBIDDEN',
      );
      expect((await postRow(created.id))?.deleted_at).toBeNull();
    });

    it('answers 401 without a token and deletes nothing', async () => {
      const created = await createPost(t, author);
      expectUnauthorized(await t.request({ method: 'DELETE', url: `/posts/${created.id}` }));
      expect((await postRow(created.id))?.deleted_at).toBeNull();
    });
  });
});
