import { bearer, createPost, signUp, type SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A field that is present must be valid: `null` is not "absent" in a PATCH (nor in a PUT or a
 * create), and a string field takes only a string. Each is 422 VALIDATION_ERROR naming the
 * field, and the row is left exactly as it was.
 */

const ADMIN = { ADMIN_EMAIL: 'types-admin@example.com', ADMIN_PASSWORD: 'types admin password' };

let t: TestApp;
let user: SignedUpUser;
let adminToken: string;
let postId: string;

beforeAll(async () => {
  t = await createTestApp(ADMIN);
  user = await signUp(t);
  postId = (await createPost(t, user)).id;
  const login = await t.request({
    method: 'POST',
    url: '/auth/token',
    payload: { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD },
  });
  adminToken = login.json<{ data: { access_token: string } }>().data.access_token;
});
afterAll(() => t.close());

const userRow = (): Promise<unknown[]> =>
  t.sql('SELECT * FROM users WHERE public_id = $1', [user.id]);
const postRow = (): Promise<unknown[]> =>
  t.sql('SELECT * FROM posts WHERE public_id = $1', [postId]);

/** Wrong JSON types for a string field. */
const NOT_STRINGS: [string, unknown][] = [
  ['null', null],
  ['a number', 42],
  ['a boolean', true],
  ['an array', ['x']],
  ['an empty array', []],
  ['an object', { a: 'x' }],
  ['an empty object', {}],
];

async function expectRefused(
  request: { method: 'PATCH' | 'PUT' | 'POST'; url: string; payload: object; token?: string },
  field: string,
): Promise<void> {
  const response = await t.request({
    method: request.method,
    url: request.url,
    headers: bearer(request.token ?? user.token),
    payload: request.payload,
  });
  const error = response.json<{
    error: { code: string; details?: { field: string }[] };
  }>().error;
  expect({ status: response.statusCode, code: error.code }).toEqual({
    status: 422,
    code: 'VALIDATION_ERROR',
  });
  expect(error.details?.map((detail) => detail.field)).toContain(field);
}

describe('PATCH /users/:id', () => {
  describe.each(['name', 'email', 'password'])('%s', (field) => {
    it.each(NOT_STRINGS)('as %s: 422 naming it, nothing changed', async (_kind, value) => {
      const before = await userRow();
      await expectRefused(
        { method: 'PATCH', url: `/users/${user.id}`, payload: { [field]: value } },
        field,
      );
      expect(await userRow()).toEqual(before);
    });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'admin'],
    ['an object', { admin: true }],
    ['an array with null', [null]],
  ])('scopes as %s, sent by an admin: 422 naming it, nothing changed', async (_kind, value) => {
    const before = await userRow();
    await expectRefused(
      { method: 'PATCH', url: `/users/${user.id}`, payload: { scopes: value }, token: adminToken },
      'scopes',
    );
    expect(await userRow()).toEqual(before);
  });

  it('null beside a valid field: 422, and the valid field is not applied either', async () => {
    const before = await userRow();
    await expectRefused(
      { method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Valid', email: null } },
      'email',
    );
    expect(await userRow()).toEqual(before);
  });
});

describe('PUT /users/:id', () => {
  it.each(['name', 'email'])('%s null: 422 naming it, nothing changed', async (field) => {
    const before = await userRow();
    await expectRefused(
      {
        method: 'PUT',
        url: `/users/${user.id}`,
        payload: { email: user.email, name: 'Put', [field]: null },
      },
      field,
    );
    expect(await userRow()).toEqual(before);
  });
});

describe('PATCH and PUT /posts/:id', () => {
  describe.each(['title', 'body'])('%s', (field) => {
    it.each(NOT_STRINGS)('PATCH as %s: 422 naming it, nothing changed', async (_kind, value) => {
      const before = await postRow();
      await expectRefused(
        { method: 'PATCH', url: `/posts/${postId}`, payload: { [field]: value } },
        field,
      );
      expect(await postRow()).toEqual(before);
    });

    it('PUT with it null: 422 naming it, nothing changed', async () => {
      const before = await postRow();
      await expectRefused(
        {
          method: 'PUT',
          url: `/posts/${postId}`,
          payload: { title: 'T', body: 'B', [field]: null },
        },
        field,
      );
      expect(await postRow()).toEqual(before);
    });
  });
});

describe('creates and logins', () => {
  it.each(['email', 'name', 'password'])('POST /users with %s null: 422', async (field) => {
    await expectRefused(
      {
        method: 'POST',
        url: '/users',
        payload: {
          email: 'fresh@example.com',
          name: 'Fresh',
          password: 'long enough',
          [field]: null,
        },
      },
      field,
    );
    expect(await t.sql("SELECT 1 FROM users WHERE email = 'fresh@example.com'")).toEqual([]);
  });

  it.each(['title', 'body'])('POST /users/:id/posts with %s null: 422', async (field) => {
    const before = await t.sql('SELECT count(*) FROM posts');
    await expectRefused(
      {
        method: 'POST',
        url: `/users/${user.id}/posts`,
        payload: { title: 'T', body: 'B', [field]: null },
      },
      field,
    );
    expect(await t.sql('SELECT count(*) FROM posts')).toEqual(before);
  });

  it.each(['email', 'password'])('POST /auth/token with %s null: 422', async (field) => {
    await expectRefused(
      {
        method: 'POST',
        url: '/auth/token',
        payload: { email: user.email, password: user.password, [field]: null },
      },
      field,
    );
  });
});
