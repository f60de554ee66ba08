import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { bearer, createPost, signUp, type SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * API.md: ids in paths are UUIDs in any case, treated case-insensitively everywhere. A write
 * through an upper- or mixed-case id must invalidate what a lower-case read cached, a deleted
 * user's tokens must be refused whatever case the admin typed, and tags, Location and bodies
 * name the one canonical (lower-case) form. Other spellings PostgreSQL would read as a UUID
 * (braces, no hyphens, urn:uuid:) are not ids of this API: 404, never 500.
 *
 * Runs on the configured cache store (in process, or Redis with TEST_REDIS_URL).
 */

const ADMIN = { ADMIN_EMAIL: 'case-admin@example.com', ADMIN_PASSWORD: 'case admin password' };

let t: TestApp;
let author: SignedUpUser;
let adminToken: string;

beforeAll(async () => {
  t = await createTestApp(ADMIN);
  author = await signUp(t);
  const login = await t.request({
    method: 'POST',
    url: '/auth/token',
    payload: { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD },
  });
  adminToken = login.json<{ data: { access_token: string } }>().data.access_token;
});
afterAll(() => t.close());

/** Alternates upper and lower case letters: a mixed-case spelling of the same UUID. */
function mixedCase(id: string): string {
  return [...id].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
}

const variants: [string, (id: string) => string][] = [
  ['upper case', (id) => id.toUpperCase()],
  ['mixed case', mixedCase],
];

function get(url: string, token = author.token): Promise<InjectResponse> {
  return t.request({ method: 'GET', url, headers: bearer(token) });
}

/** A GET that has been answered from the cache: the entry under the canonical id is warm. */
async function warm(url: string, token = author.token): Promise<InjectResponse> {
  await get(url, token);
  const second = await get(url, token);
  expect({ status: second.statusCode, cache: second.headers['x-cache'] }).toEqual({
    status: 200,
    cache: 'HIT',
  });
  return second;
}

describe.each(variants)('ids in %s', (_name, spell) => {
  it('PATCH /posts/{ID} is seen by GET /posts/{id} through a warm cache', async () => {
    const post = await createPost(t, author, { title: 'Before' });
    await warm(`/posts/${post.id}`);
    const patch = await t.request({
      method: 'PATCH',
      url: `/posts/${spell(post.id)}`,
      headers: bearer(author.token),
      payload: { title: 'After' },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json<{ data: { id: string } }>().data.id).toBe(post.id);
    expect(patch.headers.etag).toBe(`"post.${post.id}.2"`);
    const read = await get(`/posts/${post.id}`);
    expect(read.json<{ data: { title: string } }>().data.title).toBe('After');
  });

  it('GET /posts/{ID} shares the canonical entry: a lower-case write invalidates it', async () => {
    const post = await createPost(t, author, { title: 'Before' });
    const first = await warm(`/posts/${spell(post.id)}`);
    expect(first.json<{ data: { id: string } }>().data.id).toBe(post.id);
    expect(first.headers.etag).toBe(`"post.${post.id}.1"`);
    await t.request({
      method: 'PATCH',
      url: `/posts/${post.id}`,
      headers: bearer(author.token),
      payload: { title: 'After' },
    });
    const read = await get(`/posts/${spell(post.id)}`);
    expect(read.json<{ data: { title: string } }>().data.title).toBe('After');
  });

  it('DELETE /posts/{ID} makes GET /posts/{id} 404 through a warm cache', async () => {
    const post = await createPost(t, author);
    await warm(`/posts/${post.id}`);
    const removed = await t.request({
      method: 'DELETE',
      url: `/posts/${spell(post.id)}`,
      headers: bearer(author.token),
    });
    expect(removed.statusCode).toBe(204);
    expect((await get(`/posts/${post.id}`)).statusCode).toBe(404);
  });

  it('PATCH /users/{ID} is seen by GET /users/{id} through a warm cache', async () => {
    const user = await signUp(t, { name: 'Before' });
    await warm(`/users/${user.id}`, user.token);
    const patch = await t.request({
      method: 'PATCH',
      url: `/users/${spell(user.id)}`,
      headers: bearer(user.token),
      payload: { name: 'After' },
    });
    expect(patch.statusCode).toBe(200);
    // The owner sees their private representation whatever the case of the path.
    expect(patch.headers.etag).toBe(`"user.${user.id}.2.private"`);
    const read = await get(`/users/${user.id}`, user.token);
    expect(read.json<{ data: { name: string } }>().data.name).toBe('After');
  });

  it("an admin's DELETE /users/{ID} refuses the user's token at once", async () => {
    const user = await signUp(t);
    // The liveness check behind every token is cached: warm it.
    expect((await get('/auth/me', user.token)).statusCode).toBe(200);
    expect((await get('/auth/me', user.token)).statusCode).toBe(200);
    await warm(`/users/${user.id}`, user.token);
    const removed = await t.request({
      method: 'DELETE',
      url: `/users/${spell(user.id)}`,
      headers: bearer(adminToken),
    });
    expect(removed.statusCode).toBe(204);
    expect((await get('/auth/me', user.token)).statusCode).toBe(401);
    expect((await get(`/users/${user.id}`, adminToken)).statusCode).toBe(404);
  });

  it('the owner may write through any case; another user may not', async () => {
    const post = await createPost(t, author);
    const stranger = await signUp(t);
    const patch = (token: string): Promise<InjectResponse> =>
      t.request({
        method: 'PATCH',
        url: `/posts/${spell(post.id)}`,
        headers: bearer(token),
        payload: { body: 'Changed' },
      });
    expect((await patch(stranger.token)).statusCode).toBe(403);
    expect((await patch(author.token)).statusCode).toBe(200);
    const self = await t.request({
      method: 'PATCH',
      url: `/users/${spell(author.id)}`,
      headers: bearer(author.token),
      payload: { name: 'Self' },
    });
    expect(self.statusCode).toBe(200);
  });

  it('If-Match takes the tag whatever the case of the path or of the tag', async () => {
    const post = await createPost(t, author);
    const tag = (await get(`/posts/${spell(post.id)}`)).headers.etag as string;
    expect(tag).toBe(`"post.${post.id}.1"`);
    const first = await t.request({
      method: 'PATCH',
      url: `/posts/${spell(post.id)}`,
      headers: { ...bearer(author.token), 'if-match': tag },
      payload: { title: 'One' },
    });
    expect(first.statusCode).toBe(200);
    // The tag of version 2, with the id spelled in this case, on the lower-case path.
    const spelledTag = `"post.${spell(post.id)}.2"`;
    const second = await t.request({
      method: 'PATCH',
      url: `/posts/${post.id}`,
      headers: { ...bearer(author.token), 'if-match': spelledTag },
      payload: { title: 'Two' },
    });
    expect(second.statusCode).toBe(200);
    // A stale tag still fails in any case.
    const stale = await t.request({
      method: 'DELETE',
      url: `/posts/${spell(post.id)}`,
      headers: { ...bearer(author.token), 'if-match': tag },
    });
    expect(stale.statusCode).toBe(412);
    const user = await signUp(t);
    const userTag = `"user.${spell(user.id)}.1.private"`;
    const put = await t.request({
      method: 'PUT',
      url: `/users/${spell(user.id)}`,
      headers: { ...bearer(user.token), 'if-match': userTag },
      payload: { email: user.email, name: 'Put' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.headers.etag).toBe(`"user.${user.id}.2.private"`);
  });

  it('POST /users/{ID}/posts answers a canonical Location and author_id', async () => {
    const created = await t.request({
      method: 'POST',
      url: `/users/${spell(author.id)}/posts`,
      headers: bearer(author.token),
      payload: { title: 'T', body: 'B' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ data: { id: string; author_id: string } }>().data;
    expect(body.author_id).toBe(author.id);
    expect(created.headers.location).toBe(`/posts/${body.id}`);
    expect(body.id).toBe(body.id.toLowerCase());
    const list = await get(`/users/${spell(author.id)}/posts`);
    expect(list.statusCode).toBe(200);
  });
});

describe('spellings that are not ids of this API', () => {
  const forms: [string, (id: string) => string][] = [
    ['braces', (id) => `{${id}}`],
    ['no hyphens', (id) => id.replace(/-/g, '')],
    ['urn:uuid:', (id) => `urn:uuid:${id}`],
    ['upper-case URN', (id) => `URN:UUID:${id.toUpperCase()}`],
    ['surrounding spaces', (id) => ` ${id} `],
  ];

  it.each(forms)('%s: 404 on every route with an id, never 500', async (_name, spell) => {
    const post = await createPost(t, author);
    const requests: { method: 'GET' | 'PATCH' | 'PUT' | 'DELETE' | 'POST'; url: string }[] = [
      { method: 'GET', url: `/users/${spell(author.id)}` },
      { method: 'PATCH', url: `/users/${spell(author.id)}` },
      { method: 'PUT', url: `/users/${spell(author.id)}` },
      { method: 'DELETE', url: `/users/${spell(author.id)}` },
      { method: 'GET', url: `/users/${spell(author.id)}/posts` },
      { method: 'POST', url: `/users/${spell(author.id)}/posts` },
      { method: 'GET', url: `/posts/${spell(post.id)}` },
      { method: 'PATCH', url: `/posts/${spell(post.id)}` },
      { method: 'PUT', url: `/posts/${spell(post.id)}` },
      { method: 'DELETE', url: `/posts/${spell(post.id)}` },
    ];
    for (const { method, url } of requests) {
      const response = await t.request({
        method,
        url: encodeURI(url),
        headers: bearer(author.token),
        ...(method === 'GET' || method === 'DELETE'
          ? {}
          : { payload: { title: 'T', body: 'B', name: 'N', email: author.email } }),
      });
      expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 404 });
      expect(response.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
    }
    // Nothing was changed or deleted through them.
    expect((await get(`/posts/${post.id}`)).statusCode).toBe(200);
    expect((await get('/auth/me')).statusCode).toBe(200);
  });
});
