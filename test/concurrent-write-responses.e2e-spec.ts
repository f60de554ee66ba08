import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { bearer, createPost, signUp, type SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A write's response shows the row as that request's own statement left it (UPDATE ... RETURNING),
 * never a later write's: of N unconditional PATCHes in parallel, each response carries its own
 * values and a version of its own, so the N ETags are distinct and versions 2..N+1 each appear
 * once.
 */

const PARALLEL = 20;

let t: TestApp;
let author: SignedUpUser;

beforeAll(async () => {
  // A pool of several connections on PostgreSQL, so that the statements really interleave.
  t = await createTestApp();
  author = await signUp(t);
});
afterAll(() => t.close());

function versionOf(response: InjectResponse): number {
  const match = /\.(\d+)(\.private)?"$/.exec(String(response.headers.etag));
  if (!match) throw new Error(`no versioned ETag: ${String(response.headers.etag)}`);
  return Number(match[1]);
}

it(`${PARALLEL} parallel PATCH /posts/:id each answer their own title and version`, async () => {
  const post = await createPost(t, author);
  const titles = Array.from({ length: PARALLEL }, (_, i) => `Title ${i}`);
  const responses = await Promise.all(
    titles.map((title) =>
      t.request({
        method: 'PATCH',
        url: `/posts/${post.id}`,
        headers: bearer(author.token),
        payload: { title },
      }),
    ),
  );
  const seen = responses.map((response, i) => ({
    status: response.statusCode,
    sent: titles[i],
    answered: response.json<{ data: { title: string } }>().data.title,
  }));
  expect(seen).toEqual(titles.map((title) => ({ status: 200, sent: title, answered: title })));
  const versions = responses.map(versionOf).sort((a, b) => a - b);
  expect(versions).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 2));
  expect(new Set(responses.map((response) => response.headers.etag)).size).toBe(PARALLEL);
  // The final row is the one the highest version's response showed.
  const last = responses[responses.map(versionOf).indexOf(PARALLEL + 1)];
  const [row] = await t.sql<{ title: string }>('SELECT title FROM posts WHERE public_id = $1', [
    post.id,
  ]);
  expect(row.title).toBe(last.json<{ data: { title: string } }>().data.title);
});

it(`${PARALLEL} parallel PATCH /users/:id each answer their own name and version`, async () => {
  const user = await signUp(t);
  const names = Array.from({ length: PARALLEL }, (_, i) => `Name ${i}`);
  const responses = await Promise.all(
    names.map((name) =>
      t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { name },
      }),
    ),
  );
  expect(
    responses.map((response, i) => ({
      status: response.statusCode,
      sent: names[i],
      answered: response.json<{ data: { name: string } }>().data.name,
    })),
  ).toEqual(names.map((name) => ({ status: 200, sent: name, answered: name })));
  expect(responses.map(versionOf).sort((a, b) => a - b)).toEqual(
    Array.from({ length: PARALLEL }, (_, i) => i + 2),
  );
  expect(new Set(responses.map((response) => response.headers.etag)).size).toBe(PARALLEL);
});

it('PUT answers the row its statement wrote, with updated_at moved on', async () => {
  const post = await createPost(t, author, { title: 'Old', body: 'Old' });
  await t.sql("UPDATE posts SET updated_at = updated_at - interval '1 hour' WHERE public_id = $1", [
    post.id,
  ]);
  const put = await t.request({
    method: 'PUT',
    url: `/posts/${post.id}`,
    headers: bearer(author.token),
    payload: { title: 'New', body: 'New body' },
  });
  const data = put.json<{
    data: {
      title: string;
      body: string;
      author_id: string;
      updated_at: string;
      created_at: string;
    };
  }>().data;
  expect(data).toMatchObject({ title: 'New', body: 'New body', author_id: author.id });
  const [row] = await t.sql<{ updated_at: Date; created_at: Date }>(
    'SELECT updated_at, created_at FROM posts WHERE public_id = $1',
    [post.id],
  );
  expect(data.updated_at).toBe(row.updated_at.toISOString());
  expect(data.created_at).toBe(row.created_at.toISOString());
  expect(versionOf(put)).toBe(2);
});
