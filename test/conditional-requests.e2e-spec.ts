import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { createTestApp, TestApp } from './support/test-app.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import { expectData, expectError, PostBody, UserBody } from './support/api-expectations.js';

/**
 * Conditional requests (API.md, "Conditional requests"): strong ETags on single resources,
 * If-None-Match on reads (304), If-Match on writes (412, nothing changed), and the check and the
 * write being one atomic step when writers race.
 */

const ADMIN_EMAIL = 'admin@conditional.example.com';
const ADMIN_PASSWORD = 'admin password for the conditional suite';
/** A strong entity tag: quoted, no W/ prefix. */
const STRONG_ETAG = /^"[\x21\x23-\x7e]+"$/;

interface UserRow {
  name: string;
  email: string;
  scopes: string[];
  version: number;
  updated_at: Date;
  deleted_at: Date | null;
}

interface PostRow {
  title: string;
  body: string;
  version: number;
  updated_at: Date;
  deleted_at: Date | null;
}

describe('conditional requests', () => {
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });
    const login = await t.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    adminToken = expectData<{ access_token: string }>(login).access_token;
  });
  afterAll(() => t.close());

  function etagOf(response: InjectResponse): string {
    const etag = response.headers.etag;
    expect(typeof etag).toBe('string');
    expect(etag).toMatch(STRONG_ETAG);
    return etag as string;
  }

  async function userRow(id: string): Promise<UserRow> {
    const [row] = await t.sql<UserRow>(
      'SELECT name, email, scopes, version, updated_at, deleted_at FROM users WHERE public_id = $1',
      [id],
    );
    return row;
  }

  async function postRow(id: string): Promise<PostRow> {
    const [row] = await t.sql<PostRow>(
      'SELECT title, body, version, updated_at, deleted_at FROM posts WHERE public_id = $1',
      [id],
    );
    return row;
  }

  function request(
    method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    token: string,
    headers: Record<string, string> = {},
    payload?: object,
  ): Promise<InjectResponse> {
    return t.request({ method, url, headers: { ...bearer(token), ...headers }, payload });
  }

  /** 412 PRECONDITION_FAILED in the error envelope, without an ETag. */
  function expectPreconditionFailed(response: InjectResponse): void {
    expectError(response, 412, 'PRECONDITION_FAILED');
    expect(response.headers.etag).toBeUndefined();
  }

  /** 304: no body, no content type, and the ETag it confirms. */
  function expectNotModified(response: InjectResponse, etag: string): void {
    expect({ status: response.statusCode, body: response.body }).toEqual({ status: 304, body: '' });
    expect(response.headers.etag).toBe(etag);
    expect(response.headers['content-type']).toBeUndefined();
    expect(Number(response.headers['content-length'] ?? 0)).toBe(0);
  }

  describe('users', () => {
    let owner: SignedUpUser;
    let other: SignedUpUser;

    beforeEach(async () => {
      owner = await signUp(t);
      other = await signUp(t);
    });

    describe('ETag', () => {
      it('is strong, stable across reads (cache miss and hit), and the one POST /users answered', async () => {
        const created = await t.request({
          method: 'POST',
          url: '/users',
          payload: { email: `new-${Date.now()}@example.com`, name: 'New', password: 'a password!' },
        });
        const id = expectData<UserBody>(created, 201).id;
        const createdTag = etagOf(created);
        // An admin sees the representation the new user saw (email and scopes); the admin's own
        // token check does not touch this user's cache entry, so the first read is a miss.
        const first = await request('GET', `/users/${id}`, adminToken);
        const second = await request('GET', `/users/${id}`, adminToken);
        expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual(['MISS', 'HIT']);
        expect(etagOf(first)).toBe(createdTag);
        expect(etagOf(second)).toBe(createdTag);
      });

      it('differs between the private view (the user, admins) and the public view (others)', async () => {
        const self = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const admin = etagOf(await request('GET', `/users/${owner.id}`, adminToken));
        const stranger = etagOf(await request('GET', `/users/${owner.id}`, other.token));
        const me = etagOf(await request('GET', '/auth/me', owner.token));
        expect(admin).toBe(self);
        expect(me).toBe(self);
        expect(stranger).not.toBe(self);
      });

      it('changes with every write and is the one the write answered', async () => {
        const before = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const patched = await request(
          'PATCH',
          `/users/${owner.id}`,
          owner.token,
          {},
          { name: 'B' },
        );
        const afterPatch = etagOf(patched);
        expect(afterPatch).not.toBe(before);
        const read = await request('GET', `/users/${owner.id}`, owner.token);
        expect(etagOf(read)).toBe(afterPatch);
        const put = await request(
          'PUT',
          `/users/${owner.id}`,
          owner.token,
          {},
          { email: owner.email, name: 'C' },
        );
        expect(etagOf(put)).not.toBe(afterPatch);
        expect(etagOf(await request('GET', `/users/${owner.id}`, owner.token))).toBe(etagOf(put));
      });
    });

    describe('GET /users/:id with If-None-Match', () => {
      it('answers 304 without a body for the current ETag, weak form, in a list, and *', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        for (const ifNoneMatch of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
          const response = await request('GET', `/users/${owner.id}`, owner.token, {
            'if-none-match': ifNoneMatch,
          });
          expectNotModified(response, etag);
        }
      });

      it('answers 200 with the body for a stale ETag, an unrelated one, or the other view', async () => {
        const stale = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        await request('PATCH', `/users/${owner.id}`, owner.token, {}, { name: 'Changed' });
        const publicView = etagOf(await request('GET', `/users/${owner.id}`, other.token));
        for (const ifNoneMatch of [stale, '"unrelated"', publicView]) {
          const response = await request('GET', `/users/${owner.id}`, owner.token, {
            'if-none-match': ifNoneMatch,
          });
          const user = expectData<UserBody>(response);
          expect(user.name).toBe('Changed');
          expect(user.email).toBe(owner.email);
          expect(etagOf(response)).not.toBe(stale);
        }
      });

      it('answers 404, not 304, for a deleted user, even with *', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, adminToken));
        await request('DELETE', `/users/${owner.id}`, owner.token);
        for (const ifNoneMatch of [etag, '*']) {
          const response = await request('GET', `/users/${owner.id}`, adminToken, {
            'if-none-match': ifNoneMatch,
          });
          expectError(response, 404, 'NOT_FOUND');
        }
      });

      it('GET /auth/me answers 304 for its current ETag too', async () => {
        const etag = etagOf(await request('GET', '/auth/me', owner.token));
        const response = await request('GET', '/auth/me', owner.token, { 'if-none-match': etag });
        expectNotModified(response, etag);
      });
    });

    describe.each(['PUT', 'PATCH'] as const)('%s /users/:id with If-Match', (method) => {
      const change = (user: SignedUpUser, name: string): object =>
        method === 'PUT' ? { email: user.email, name } : { name };

      it('applies the write for the current ETag and advances the version by one', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const before = await userRow(owner.id);
        const response = await request(
          method,
          `/users/${owner.id}`,
          owner.token,
          { 'if-match': etag },
          change(owner, 'Matched'),
        );
        expect(expectData<UserBody>(response).name).toBe('Matched');
        expect(etagOf(response)).not.toBe(etag);
        const after = await userRow(owner.id);
        expect(after).toMatchObject({ name: 'Matched', version: before.version + 1 });
      });

      it('answers 412 for a stale ETag and changes nothing, in the database or the cache', async () => {
        const stale = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        await request(method, `/users/${owner.id}`, owner.token, {}, change(owner, 'Second'));
        const current = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const before = await userRow(owner.id);

        const response = await request(
          method,
          `/users/${owner.id}`,
          owner.token,
          { 'if-match': stale },
          change(owner, 'Lost update'),
        );
        expectPreconditionFailed(response);
        expect(await userRow(owner.id)).toEqual(before);
        const read = await request('GET', `/users/${owner.id}`, owner.token);
        expect(expectData<UserBody>(read).name).toBe('Second');
        expect(etagOf(read)).toBe(current);
      });

      it('answers 412 for tags that cannot match: weak, malformed, out of range, the public view', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const publicView = etagOf(await request('GET', `/users/${owner.id}`, other.token));
        const before = await userRow(owner.id);
        const outOfRange = etag.replace(/\.\d+\.private"$/, '.99999999999.private"');
        for (const ifMatch of [`W/${etag}`, 'not-a-tag', '""', outOfRange, publicView]) {
          const response = await request(
            method,
            `/users/${owner.id}`,
            owner.token,
            { 'if-match': ifMatch },
            change(owner, 'Never'),
          );
          expectPreconditionFailed(response);
        }
        expect(await userRow(owner.id)).toEqual(before);
      });

      it('accepts a list holding the current ETag, and *', async () => {
        for (const list of [(etag: string) => `"other", ${etag}`, () => '*']) {
          const etag = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
          const response = await request(
            method,
            `/users/${owner.id}`,
            owner.token,
            { 'if-match': list(etag) },
            change(owner, 'Listed'),
          );
          expect(expectData<UserBody>(response).name).toBe('Listed');
        }
      });

      it('without If-Match stays unconditional, whatever happened before', async () => {
        await request(method, `/users/${owner.id}`, owner.token, {}, change(owner, 'One'));
        const response = await request(
          method,
          `/users/${owner.id}`,
          owner.token,
          {},
          change(owner, 'Two'),
        );
        expect(expectData<UserBody>(response).name).toBe('Two');
      });

      it('answers 404, not 412, for a deleted user', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, adminToken));
        await request('DELETE', `/users/${owner.id}`, adminToken);
        const response = await request(
          method,
          `/users/${owner.id}`,
          adminToken,
          { 'if-match': etag },
          change(owner, 'Ghost'),
        );
        expectError(response, 404, 'NOT_FOUND');
      });

      it('an admin writes with the ETag an admin read', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, adminToken));
        const response = await request(
          method,
          `/users/${owner.id}`,
          adminToken,
          { 'if-match': etag },
          change(owner, 'By admin'),
        );
        expect(expectData<UserBody>(response).name).toBe('By admin');
      });
    });

    describe('PATCH /users/:id with an empty body', () => {
      it('checks If-Match all the same: 412 for a stale ETag, 200 for the current one', async () => {
        const stale = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        await request('PATCH', `/users/${owner.id}`, owner.token, {}, { name: 'Moved on' });
        const stalePatch = await request(
          'PATCH',
          `/users/${owner.id}`,
          owner.token,
          { 'if-match': stale },
          {},
        );
        expectPreconditionFailed(stalePatch);
        const current = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const currentPatch = await request(
          'PATCH',
          `/users/${owner.id}`,
          owner.token,
          { 'if-match': current },
          {},
        );
        expectData<UserBody>(currentPatch);
        expect(etagOf(currentPatch)).toBe(current);
      });
    });

    describe('DELETE /users/:id with If-Match', () => {
      it('answers 412 for a stale ETag and deletes neither the user nor their posts', async () => {
        const post = await createPost(t, owner);
        const stale = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        await request('PATCH', `/users/${owner.id}`, owner.token, {}, { name: 'Renamed' });
        const before = await userRow(owner.id);

        const response = await request('DELETE', `/users/${owner.id}`, owner.token, {
          'if-match': stale,
        });
        expectPreconditionFailed(response);
        expect(await userRow(owner.id)).toEqual(before);
        expect((await postRow(post.id)).deleted_at).toBeNull();
        expectData<UserBody>(await request('GET', `/users/${owner.id}`, owner.token));
      });

      it('deletes the user and their posts for the current ETag', async () => {
        const post = await createPost(t, owner);
        const etag = etagOf(await request('GET', `/users/${owner.id}`, owner.token));
        const response = await request('DELETE', `/users/${owner.id}`, owner.token, {
          'if-match': etag,
        });
        expect(response.statusCode).toBe(204);
        expect((await userRow(owner.id)).deleted_at).not.toBeNull();
        expect((await postRow(post.id)).deleted_at).not.toBeNull();
      });

      it('answers 404, not 412, once the user is deleted', async () => {
        const etag = etagOf(await request('GET', `/users/${owner.id}`, adminToken));
        await request('DELETE', `/users/${owner.id}`, adminToken);
        const response = await request('DELETE', `/users/${owner.id}`, adminToken, {
          'if-match': etag,
        });
        expectError(response, 404, 'NOT_FOUND');
      });
    });
  });

  describe('posts', () => {
    let author: SignedUpUser;
    let reader: SignedUpUser;
    let post: { id: string };

    beforeEach(async () => {
      author = await signUp(t);
      reader = await signUp(t);
      post = await createPost(t, author, { title: 'Original', body: 'Original body' });
    });

    describe('ETag', () => {
      it('is strong, the same for every reader, stable across reads, and the one POST answered', async () => {
        const created = await t.request({
          method: 'POST',
          url: `/users/${author.id}/posts`,
          headers: bearer(author.token),
          payload: { title: 'T', body: 'B' },
        });
        const id = expectData<PostBody>(created, 201).id;
        const createdTag = etagOf(created);
        const first = await request('GET', `/posts/${id}`, reader.token);
        const second = await request('GET', `/posts/${id}`, author.token);
        expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual(['MISS', 'HIT']);
        expect(etagOf(first)).toBe(createdTag);
        expect(etagOf(second)).toBe(createdTag);
      });

      it('changes with every write and is the one the write answered', async () => {
        const before = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        const patched = await request(
          'PATCH',
          `/posts/${post.id}`,
          author.token,
          {},
          { title: 'X' },
        );
        expect(etagOf(patched)).not.toBe(before);
        expect(etagOf(await request('GET', `/posts/${post.id}`, reader.token))).toBe(
          etagOf(patched),
        );
      });
    });

    describe('GET /posts/:id with If-None-Match', () => {
      it('answers 304 without a body for the current ETag, weak form, in a list, and *', async () => {
        const etag = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        for (const ifNoneMatch of [etag, `W/${etag}`, `"nope",${etag}`, '*']) {
          const response = await request('GET', `/posts/${post.id}`, reader.token, {
            'if-none-match': ifNoneMatch,
          });
          expectNotModified(response, etag);
        }
      });

      it('answers 200 with the new body for a stale ETag', async () => {
        const stale = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        await request('PATCH', `/posts/${post.id}`, author.token, {}, { title: 'Newer' });
        const response = await request('GET', `/posts/${post.id}`, reader.token, {
          'if-none-match': stale,
        });
        expect(expectData<PostBody>(response).title).toBe('Newer');
      });

      it('answers 404, not 304, for a deleted post', async () => {
        const etag = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        await request('DELETE', `/posts/${post.id}`, author.token);
        const response = await request('GET', `/posts/${post.id}`, reader.token, {
          'if-none-match': etag,
        });
        expectError(response, 404, 'NOT_FOUND');
      });
    });

    describe.each(['PUT', 'PATCH'] as const)('%s /posts/:id with If-Match', (method) => {
      const change = (title: string): object =>
        method === 'PUT' ? { title, body: 'Replaced body' } : { title };

      it('applies the write for the current ETag and advances the version by one', async () => {
        const etag = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        const before = await postRow(post.id);
        const response = await request(
          method,
          `/posts/${post.id}`,
          author.token,
          { 'if-match': etag },
          change('Matched'),
        );
        expect(expectData<PostBody>(response).title).toBe('Matched');
        expect(await postRow(post.id)).toMatchObject({
          title: 'Matched',
          version: before.version + 1,
        });
      });

      it('answers 412 for a stale ETag and changes nothing, in the database or the cache', async () => {
        const stale = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        await request(method, `/posts/${post.id}`, author.token, {}, change('Second'));
        const current = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        const before = await postRow(post.id);

        const response = await request(
          method,
          `/posts/${post.id}`,
          author.token,
          { 'if-match': stale },
          change('Lost update'),
        );
        expectPreconditionFailed(response);
        expect(await postRow(post.id)).toEqual(before);
        const read = await request('GET', `/posts/${post.id}`, reader.token);
        expect(expectData<PostBody>(read).title).toBe('Second');
        expect(etagOf(read)).toBe(current);
      });

      it("answers 412 for a weak tag and for another post's tag", async () => {
        const etag = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        const otherPost = await createPost(t, author);
        const otherTag = etagOf(await request('GET', `/posts/${otherPost.id}`, reader.token));
        const before = await postRow(post.id);
        for (const ifMatch of [`W/${etag}`, otherTag]) {
          const response = await request(
            method,
            `/posts/${post.id}`,
            author.token,
            { 'if-match': ifMatch },
            change('Never'),
          );
          expectPreconditionFailed(response);
        }
        expect(await postRow(post.id)).toEqual(before);
      });

      it('answers 404, not 412, for a deleted post', async () => {
        const etag = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        await request('DELETE', `/posts/${post.id}`, author.token);
        const response = await request(
          method,
          `/posts/${post.id}`,
          adminToken,
          { 'if-match': etag },
          change('Ghost'),
        );
        expectError(response, 404, 'NOT_FOUND');
      });
    });

    describe('PATCH /posts/:id with an empty body', () => {
      it('answers 412 for a stale ETag', async () => {
        const stale = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        await request('PATCH', `/posts/${post.id}`, author.token, {}, { body: 'Moved on' });
        const response = await request(
          'PATCH',
          `/posts/${post.id}`,
          author.token,
          { 'if-match': stale },
          {},
        );
        expectPreconditionFailed(response);
      });
    });

    describe('DELETE /posts/:id with If-Match', () => {
      it('answers 412 for a stale ETag and deletes nothing', async () => {
        const stale = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        await request('PATCH', `/posts/${post.id}`, author.token, {}, { title: 'Edited' });
        const before = await postRow(post.id);
        const response = await request('DELETE', `/posts/${post.id}`, author.token, {
          'if-match': stale,
        });
        expectPreconditionFailed(response);
        expect(await postRow(post.id)).toEqual(before);
        expectData<PostBody>(await request('GET', `/posts/${post.id}`, reader.token));
      });

      it('deletes for the current ETag, and then answers 404 with it', async () => {
        const etag = etagOf(await request('GET', `/posts/${post.id}`, reader.token));
        const deleted = await request('DELETE', `/posts/${post.id}`, author.token, {
          'if-match': etag,
        });
        expect(deleted.statusCode).toBe(204);
        expect((await postRow(post.id)).deleted_at).not.toBeNull();
        const again = await request('DELETE', `/posts/${post.id}`, adminToken, {
          'if-match': etag,
        });
        expectError(again, 404, 'NOT_FOUND');
      });
    });
  });

  describe('racing writers with the same If-Match', () => {
    const WRITERS = 10;

    function statuses(responses: InjectResponse[]): number[] {
      return responses.map((response) => response.statusCode).sort();
    }

    /**
     * Opens as many pool connections as there are writers (the pool opens them lazily: otherwise
     * the first writer, on the one open connection, finishes before the others have connected,
     * and the writers would not overlap at all). With PGlite there is one connection anyway.
     */
    async function warmPool(): Promise<void> {
      await Promise.all(
        Array.from({ length: WRITERS }, () => t.dataSource.query('SELECT pg_sleep(0.05)')),
      );
    }

    beforeEach(() => warmPool());

    it('10 parallel PATCHes of a post: exactly one 200 and nine 412; the version moves on by one', async () => {
      const author = await signUp(t);
      const post = await createPost(t, author);
      const etag = etagOf(await request('GET', `/posts/${post.id}`, author.token));
      const before = await postRow(post.id);

      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          request(
            'PATCH',
            `/posts/${post.id}`,
            author.token,
            { 'if-match': etag },
            {
              title: `Writer ${i}`,
            },
          ),
        ),
      );
      expect(statuses(responses)).toEqual([200, ...Array<number>(WRITERS - 1).fill(412)]);
      const winner = responses.find((response) => response.statusCode === 200)!;
      const after = await postRow(post.id);
      expect(after.version).toBe(before.version + 1);
      expect(after.title).toBe(expectData<PostBody>(winner).title);
      for (const loser of responses.filter((response) => response.statusCode === 412)) {
        expectPreconditionFailed(loser);
      }
    });

    it('10 parallel PATCHes of a user: exactly one 200 and nine 412; the version moves on by one', async () => {
      const user = await signUp(t);
      const etag = etagOf(await request('GET', `/users/${user.id}`, user.token));
      const before = await userRow(user.id);

      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          request(
            'PATCH',
            `/users/${user.id}`,
            user.token,
            { 'if-match': etag },
            {
              name: `Writer ${i}`,
            },
          ),
        ),
      );
      expect(statuses(responses)).toEqual([200, ...Array<number>(WRITERS - 1).fill(412)]);
      const winner = responses.find((response) => response.statusCode === 200)!;
      const after = await userRow(user.id);
      expect(after.version).toBe(before.version + 1);
      expect(after.name).toBe(expectData<UserBody>(winner).name);
    });

    it('PATCHes and DELETEs of a user racing: exactly one wins, the others answer 412 or 404', async () => {
      const user = await signUp(t);
      const post = await createPost(t, user);
      const etag = etagOf(await request('GET', `/users/${user.id}`, adminToken));
      const before = await userRow(user.id);

      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          i % 2 === 0
            ? request('DELETE', `/users/${user.id}`, adminToken, { 'if-match': etag })
            : request(
                'PATCH',
                `/users/${user.id}`,
                adminToken,
                { 'if-match': etag },
                {
                  name: `Writer ${i}`,
                },
              ),
        ),
      );
      const winners = responses.filter((response) => response.statusCode < 300);
      expect(winners).toHaveLength(1);
      const losers = statuses(responses.filter((response) => response !== winners[0]));
      const after = await userRow(user.id);
      const postAfter = await postRow(post.id);
      if (winners[0].statusCode === 204) {
        // A deletion won: every other writer found the user gone.
        expect(losers).toEqual(Array<number>(WRITERS - 1).fill(404));
        expect(after.deleted_at).not.toBeNull();
        expect(after.name).toBe(before.name);
        expect(postAfter.deleted_at).not.toBeNull();
      } else {
        // A patch won: every other writer, deletion or patch, found another version.
        expect(winners[0].statusCode).toBe(200);
        expect(losers).toEqual(Array<number>(WRITERS - 1).fill(412));
        expect(after).toMatchObject({ deleted_at: null, version: before.version + 1 });
        expect(postAfter.deleted_at).toBeNull();
      }
    });
  });
});
