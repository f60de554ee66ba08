import { createHash, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { createTestApp, TestApp } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import {
  DEFAULT_SCOPES,
  ErrorBody,
  expectData,
  expectError,
  expectPage,
  expectUnauthorized,
  expectUser,
  expectValidationError,
  PostBody,
  UserBody,
} from './support/api-expectations.js';
import {
  alterPayload,
  anotherSecret,
  decodeJwt,
  nowSeconds,
  signAsApp,
  signByHand,
  signToken,
  stripSignature,
  unsignedToken,
  validClaims,
  verifyAsApp,
  withoutClaims,
} from './support/tokens.js';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'admin password for the auth suite';
const TOKEN_KEYS = ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type'];
const CLAIM_KEYS = ['aud', 'exp', 'iat', 'iss', 'scope', 'sid', 'sub', 'ver'];
const SORTED_DEFAULT_SCOPES = [...DEFAULT_SCOPES].sort();

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** The error body with its request_id left out (it differs on every response). */
function withoutRequestId(error: ErrorBody): Record<string, unknown> {
  return Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'request_id'));
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('authentication and authorisation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });
  });
  afterAll(() => t.close());

  function login(email: string, password: string): Promise<InjectResponse> {
    return t.request({ method: 'POST', url: '/auth/token', payload: { email, password } });
  }

  async function loginOk(email: string, password: string): Promise<TokenBody> {
    const data = expectData<TokenBody>(await login(email, password));
    expect(Object.keys(data).sort()).toEqual(TOKEN_KEYS);
    return data;
  }

  function refresh(refreshToken: string): Promise<InjectResponse> {
    return t.request({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: refreshToken },
    });
  }

  function logout(refreshToken: string): Promise<InjectResponse> {
    return t.request({
      method: 'POST',
      url: '/auth/logout',
      payload: { refresh_token: refreshToken },
    });
  }

  function me(headers: Record<string, string>): Promise<InjectResponse> {
    return t.request({ method: 'GET', url: '/auth/me', headers });
  }

  function postCount(userPublicId: string): Promise<number> {
    return t.count(
      'posts p JOIN users u ON u.id = p.user_id',
      'u.public_id = $1 AND p.deleted_at IS NULL',
      [userPublicId],
    );
  }

  describe('POST /auth/token', () => {
    it('answers 200 with the token pair; the access token carries sub, iat, exp, scope, iss, aud, sid and ver', async () => {
      const user = await signUp(t);
      const before = nowSeconds();
      const tokens = await loginOk(user.email, user.password);
      const after = nowSeconds();

      expect(tokens.token_type).toBe('Bearer');
      expect(tokens.expires_in).toBe(900);
      expect(tokens.scope.split(' ').sort()).toEqual(SORTED_DEFAULT_SCOPES);
      expect(typeof tokens.refresh_token).toBe('string');
      expect(tokens.refresh_token.length).toBeGreaterThanOrEqual(32);
      expect(tokens.refresh_token).not.toContain('.');

      const { header, payload } = decodeJwt(tokens.access_token);
      expect(header.alg).toBe('HS256');
      expect(Object.keys(payload).sort()).toEqual(CLAIM_KEYS);
      expect(payload.sub).toBe(user.id);
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(payload.iat).toBeLessThanOrEqual(after);
      expect(payload.exp).toBe((payload.iat as number) + 900);
      expect(Array.isArray(payload.scope)).toBe(true);
      expect(payload.scope).toEqual(tokens.scope.split(' '));
      expect(payload.iss).toBe(t.config.jwt.issuer);
      expect(payload.aud).toBe(t.config.jwt.audience);
      expect(payload.sid).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(payload.ver).toBe(0);
      // Signed with the app's key, HS256.
      expect(verifyAsApp(t, tokens.access_token).sub).toBe(user.id);
    });

    it('finds the user whatever the case of the email and surrounding spaces', async () => {
      const user = await signUp(t);
      const tokens = await loginOk(`  ${user.email.toUpperCase()} `, user.password);
      expect(decodeJwt(tokens.access_token).payload.sub).toBe(user.id);
    });

    it('answers the same 401, with WWW-Authenticate: Bearer, for a wrong password and an unknown email', async () => {
      const user = await signUp(t);
      const wrongPassword = await login(user.email, 'not the right password');
      const unknownEmail = await login(`nobody-${randomUUID()}@example.com`, user.password);

      const a = expectUnauthorized(wrongPassword);
      const b = expectUnauthorized(unknownEmail);
      expect(withoutRequestId(a)).toEqual(withoutRequestId(b));
      expect(wrongPassword.headers['www-authenticate']).toBe(
        unknownEmail.headers['www-authenticate'],
      );
      expect(wrongPassword.body).not.toContain('refresh_token');
      expect(unknownEmail.body).not.toContain('refresh_token');
    });
  });

  describe('access tokens the app did not issue', () => {
    let user: SignedUpUser;
    let other: SignedUpUser;

    beforeAll(async () => {
      user = await signUp(t);
      other = await signUp(t);
    });

    it('accepts a token built here with the app key and valid claims (the baseline every forgery departs from)', async () => {
      const viaLibrary = signAsApp(t, validClaims(t, user.id));
      const byHand = signByHand(
        { alg: 'HS256', typ: 'JWT' },
        validClaims(t, user.id),
        t.config.jwt.secret,
      );
      for (const token of [viaLibrary, byHand]) {
        const data = expectData<UserBody>(await me(bearer(token)));
        expect(data.id).toBe(user.id);
      }
    });

    const FORGERIES: [string, () => Record<string, string>][] = [
      ['no Authorization header', () => ({})],
      ['another scheme (Basic)', () => ({ authorization: 'Basic dXNlcjpwYXNzd29yZA==' })],
      ['an empty bearer token', () => ({ authorization: 'Bearer ' })],
      ['alg "none"', () => bearer(unsignedToken(validClaims(t, user.id)))],
      ['alg "NONE"', () => bearer(unsignedToken(validClaims(t, user.id), 'NONE'))],
      [
        'alg "none" carrying the real signature',
        () => {
          const real = signAsApp(t, validClaims(t, user.id));
          const unsigned = unsignedToken(decodeJwt(real).payload);
          return bearer(unsigned + real.split('.')[2]);
        },
      ],
      [
        'a token signed with another key',
        () => bearer(signToken(validClaims(t, user.id), anotherSecret())),
      ],
      [
        'an expired token',
        () => {
          const now = nowSeconds();
          return bearer(signAsApp(t, validClaims(t, user.id, { iat: now - 1020, exp: now - 120 })));
        },
      ],
      [
        'a token whose nbf is in the future',
        () => bearer(signAsApp(t, validClaims(t, user.id, { nbf: nowSeconds() + 3600 }))),
      ],
      [
        'a token without exp',
        () => bearer(signAsApp(t, withoutClaims(validClaims(t, user.id), 'exp'))),
      ],
      [
        'a token whose exp is not a number',
        () =>
          bearer(
            signByHand(
              { alg: 'HS256', typ: 'JWT' },
              validClaims(t, user.id, { exp: String(nowSeconds() + 600) }),
              t.config.jwt.secret,
            ),
          ),
      ],
      [
        'a token from another issuer',
        () => bearer(signAsApp(t, validClaims(t, user.id, { iss: 'someone-else' }))),
      ],
      [
        'a token for another audience',
        () => bearer(signAsApp(t, validClaims(t, user.id, { aud: 'another-api' }))),
      ],
      [
        'a token for a list of other audiences',
        () =>
          bearer(signAsApp(t, validClaims(t, user.id, { aud: ['another-api', 'a-third-api'] }))),
      ],
      [
        'a token without iss and aud',
        () => bearer(signAsApp(t, withoutClaims(validClaims(t, user.id), 'iss', 'aud'))),
      ],
      ['an issued token with its signature stripped', () => bearer(stripSignature(user.token))],
      [
        'an issued token cut to two segments',
        () => bearer(user.token.slice(0, user.token.lastIndexOf('.'))),
      ],
      [
        'an issued token with admin added to its scope',
        () => bearer(alterPayload(user.token, { scope: [...DEFAULT_SCOPES, 'admin'] })),
      ],
      [
        "an issued token with another user's sub",
        () => bearer(alterPayload(user.token, { sub: other.id })),
      ],
      [
        'an issued token with a later exp',
        () => bearer(alterPayload(user.token, { exp: nowSeconds() + 86_400 })),
      ],
      [
        'a token signed with the app key as HS512',
        () => bearer(signToken(validClaims(t, user.id), t.config.jwt.secret, 'HS512')),
      ],
      [
        'a token signed with the app key as HS384',
        () => bearer(signToken(validClaims(t, user.id), t.config.jwt.secret, 'HS384')),
      ],
      ['a garbage string', () => bearer('garbage')],
      ['three garbage segments', () => bearer('a.b.c')],
      [
        'segments that are not JSON',
        () => bearer(`${Buffer.from('{not json').toString('base64url')}.e30.c2ln`),
      ],
      [
        'a 12 KB token',
        () => {
          const token = signToken(
            validClaims(t, user.id, { pad: 'x'.repeat(12 * 1024) }),
            anotherSecret(),
          );
          expect(token.length).toBeGreaterThan(12 * 1024);
          return bearer(token);
        },
      ],
      ['12 KB of garbage', () => bearer('x'.repeat(12 * 1024))],
      // Signed with the app's own key, but the claims are not what the app issues.
      [
        'a token without sub',
        () => bearer(signAsApp(t, withoutClaims(validClaims(t, user.id), 'sub'))),
      ],
      ['a token for an unknown user', () => bearer(signAsApp(t, validClaims(t, randomUUID())))],
      [
        'a token whose sub is not a user id',
        () => bearer(signAsApp(t, validClaims(t, 'not-a-uuid'))),
      ],
      [
        'a token whose scope is a string, not an array',
        () => bearer(signAsApp(t, validClaims(t, user.id, { scope: DEFAULT_SCOPES.join(' ') }))),
      ],
      [
        'a token whose payload is not an object',
        () =>
          bearer(signByHand({ alg: 'HS256', typ: 'JWT' }, 'just a string', t.config.jwt.secret)),
      ],
    ];

    it.each(FORGERIES)(
      'refuses %s: 401 with the error envelope, never 500',
      async (_name, headers) => {
        // The same request with the tokens the forgeries start from answers 200: the issued one
        // and one signed here with the app key. Only the forgery differs.
        expectData<UserBody>(await me(bearer(user.token)));
        expectData<UserBody>(await me(bearer(signAsApp(t, validClaims(t, user.id)))));
        expectUnauthorized(await me(headers()));
      },
    );

    it('refuses a refresh token used as an access token', async () => {
      expectData<UserBody>(await me(bearer(user.token)));
      expectUnauthorized(await me(bearer(user.refreshToken)));
    });

    it('refuses an access token used as a refresh token, and it spends nothing', async () => {
      const fresh = await loginOk(user.email, user.password);
      expectUnauthorized(await refresh(fresh.access_token));
      // The real refresh token of that login is still good.
      expectData<TokenBody>(await refresh(fresh.refresh_token));
    });
  });

  describe('scopes', () => {
    it('answers 403 when the token lacks the scope the route needs, and creates nothing', async () => {
      const user = await signUp(t);
      const reduced = ['users:read', 'users:write', 'posts:read'];
      await t.sql('UPDATE users SET scopes = $1 WHERE public_id = $2', [reduced, user.id]);
      const tokens = await loginOk(user.email, user.password);
      expect(tokens.scope).toBe(reduced.join(' '));
      expect(decodeJwt(tokens.access_token).payload.scope).toEqual(reduced);

      const response = await t.request({
        method: 'POST',
        url: `/users/${user.id}/posts`,
        headers: bearer(tokens.access_token),
        payload: { title: 'Not allowed', body: 'No posts:write' },
      });
      expectError(response, 403, 'FORBIDDEN');
      expect(await postCount(user.id)).toBe(0);
      // The scopes it does hold still work.
      expectPage(
        await t.request({ method: 'GET', url: '/posts', headers: bearer(tokens.access_token) }),
      );
    });

    it('answers 403 on a read route without its read scope', async () => {
      const user = await signUp(t);
      await t.sql('UPDATE users SET scopes = $1 WHERE public_id = $2', [['users:read'], user.id]);
      const tokens = await loginOk(user.email, user.password);
      for (const url of ['/posts', `/users/${user.id}/posts`]) {
        expectError(
          await t.request({ method: 'GET', url, headers: bearer(tokens.access_token) }),
          403,
          'FORBIDDEN',
        );
      }
      expectData<UserBody>(
        await t.request({
          method: 'GET',
          url: `/users/${user.id}`,
          headers: bearer(tokens.access_token),
        }),
      );
    });

    describe('near misses do not count as posts:write', () => {
      let author: SignedUpUser;
      const others = ['users:read', 'users:write', 'posts:read'];

      beforeAll(async () => {
        author = await signUp(t);
      });

      function createWithScope(scope: string[]): Promise<InjectResponse> {
        return t.request({
          method: 'POST',
          url: `/users/${author.id}/posts`,
          headers: bearer(signAsApp(t, validClaims(t, author.id, { scope }))),
          payload: { title: 'Scoped', body: 'Scoped body' },
        });
      }

      it.each([
        'posts:writex',
        'posts:writ',
        'posts:write ',
        ' posts:write',
        'POSTS:WRITE',
        'posts:*',
        'posts',
        'posts:read posts:write',
        'xposts:write',
      ])('%j answers 403 and creates nothing', async (nearMiss) => {
        const before = await postCount(author.id);
        expectError(await createWithScope([...others, nearMiss]), 403, 'FORBIDDEN');
        expect(await postCount(author.id)).toBe(before);
      });

      it('the exact scope passes (control)', async () => {
        const before = await postCount(author.id);
        expectData<PostBody>(await createWithScope([...others, 'posts:write']), 201);
        expect(await postCount(author.id)).toBe(before + 1);
      });
    });
  });

  describe('writes by a user who is not the owner', () => {
    let owner: SignedUpUser;
    let intruder: SignedUpUser;
    let post: { id: string };

    beforeAll(async () => {
      owner = await signUp(t);
      intruder = await signUp(t);
      post = await createPost(t, owner, { title: 'Owned', body: 'Owned body' });
    });

    /** Everything stored about the owner and their posts. */
    async function snapshot(): Promise<unknown> {
      const users = await t.sql('SELECT * FROM users WHERE public_id = $1', [owner.id]);
      const posts = await t.sql(
        `SELECT p.* FROM posts p JOIN users u ON u.id = p.user_id WHERE u.public_id = $1
         ORDER BY p.id`,
        [owner.id],
      );
      return { users, posts };
    }

    const ROUTES: [
      string,
      () => {
        method: 'PUT' | 'PATCH' | 'DELETE' | 'POST';
        url: string;
        payload?: Record<string, unknown>;
      },
    ][] = [
      [
        'PUT /users/:id',
        () => ({
          method: 'PUT',
          url: `/users/${owner.id}`,
          payload: { email: `taken-${randomUUID()}@example.com`, name: 'Mallory' },
        }),
      ],
      [
        'PATCH /users/:id',
        () => ({
          method: 'PATCH',
          url: `/users/${owner.id}`,
          payload: { name: 'Mallory', password: 'a new password' },
        }),
      ],
      ['DELETE /users/:id', () => ({ method: 'DELETE', url: `/users/${owner.id}` })],
      [
        'POST /users/:id/posts',
        () => ({
          method: 'POST',
          url: `/users/${owner.id}/posts`,
          payload: { title: 'Planted', body: 'Planted body' },
        }),
      ],
      [
        'PUT /posts/:id',
        () => ({
          method: 'PUT',
          url: `/posts/${post.id}`,
          payload: { title: 'Defaced', body: 'Defaced body' },
        }),
      ],
      [
        'PATCH /posts/:id',
        () => ({ method: 'PATCH', url: `/posts/${post.id}`, payload: { title: 'Defaced' } }),
      ],
      ['DELETE /posts/:id', () => ({ method: 'DELETE', url: `/posts/${post.id}` })],
    ];

    it.each(ROUTES)('%s answers 403 and the database is unchanged', async (_name, build) => {
      const before = await snapshot();
      const response = await t.request({ ...build(), headers: bearer(intruder.token) });
      expectError(response, 403, 'FORBIDDEN');
      expect(await snapshot()).toEqual(before);
    });

    it('the owner passes the same checks (control)', async () => {
      const response = await t.request({
        method: 'PATCH',
        url: `/posts/${post.id}`,
        headers: bearer(owner.token),
        payload: { title: 'Edited by the owner' },
      });
      expect(expectData<PostBody>(response).title).toBe('Edited by the owner');
    });
  });

  describe('admin', () => {
    let admin: TokenBody;

    beforeAll(async () => {
      admin = await loginOk(ADMIN_EMAIL, ADMIN_PASSWORD);
    });

    it('the bootstrapped admin logs in with admin on top of the default scopes', async () => {
      expect(admin.scope.split(' ').sort()).toEqual([...DEFAULT_SCOPES, 'admin'].sort());
      const rows = await t.sql<{ scopes: string[] }>(
        'SELECT scopes FROM users WHERE lower(email) = $1',
        [ADMIN_EMAIL],
      );
      expect(rows).toHaveLength(1);
      expect([...rows[0].scopes].sort()).toEqual([...DEFAULT_SCOPES, 'admin'].sort());
    });

    it("may PATCH another user's scopes and name; the user's next login carries the new scopes", async () => {
      const user = await signUp(t);
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(admin.access_token),
        payload: { name: 'Renamed by admin', scopes: ['users:read', 'posts:read'] },
      });
      const data = expectData<UserBody>(response);
      expectUser(data, 'private');
      expect(data.name).toBe('Renamed by admin');
      expect(data.scopes).toEqual(['users:read', 'posts:read']);

      const [row] = await t.sql<{ name: string; scopes: string[] }>(
        'SELECT name, scopes FROM users WHERE public_id = $1',
        [user.id],
      );
      expect(row).toEqual({ name: 'Renamed by admin', scopes: ['users:read', 'posts:read'] });
      const tokens = await loginOk(user.email, user.password);
      expect(tokens.scope).toBe('users:read posts:read');
    });

    it('may replace another user (PUT)', async () => {
      const user = await signUp(t);
      const email = `replaced-${randomUUID()}@example.com`;
      const data = expectData<UserBody>(
        await t.request({
          method: 'PUT',
          url: `/users/${user.id}`,
          headers: bearer(admin.access_token),
          payload: { email, name: 'Replaced by admin' },
        }),
      );
      expect({ email: data.email, name: data.name }).toEqual({ email, name: 'Replaced by admin' });
    });

    it('may DELETE another user, whose tokens stop working at once', async () => {
      const user = await signUp(t);
      expectData<UserBody>(await me(bearer(user.token)));
      const response = await t.request({
        method: 'DELETE',
        url: `/users/${user.id}`,
        headers: bearer(admin.access_token),
      });
      expect(response.statusCode).toBe(204);
      const [row] = await t.sql<{ deleted_at: Date | null }>(
        'SELECT deleted_at FROM users WHERE public_id = $1',
        [user.id],
      );
      expect(row.deleted_at).not.toBeNull();
      expectUnauthorized(await me(bearer(user.token)));
      expectUnauthorized(await refresh(user.refreshToken));
    });

    it("may create, edit and delete another user's posts", async () => {
      const user = await signUp(t);
      const created = expectData<PostBody>(
        await t.request({
          method: 'POST',
          url: `/users/${user.id}/posts`,
          headers: bearer(admin.access_token),
          payload: { title: 'By the admin', body: 'For the user' },
        }),
        201,
      );
      expect(created.author_id).toBe(user.id);

      const post = await createPost(t, user, { title: 'Mine', body: 'My body' });
      const patched = expectData<PostBody>(
        await t.request({
          method: 'PATCH',
          url: `/posts/${post.id}`,
          headers: bearer(admin.access_token),
          payload: { title: 'Moderated' },
        }),
      );
      expect({ title: patched.title, body: patched.body }).toEqual({
        title: 'Moderated',
        body: 'My body',
      });
      const replaced = expectData<PostBody>(
        await t.request({
          method: 'PUT',
          url: `/posts/${post.id}`,
          headers: bearer(admin.access_token),
          payload: { title: 'Replaced', body: 'Replaced body' },
        }),
      );
      expect(replaced.author_id).toBe(user.id);
      const [row] = await t.sql<{ title: string; body: string }>(
        'SELECT title, body FROM posts WHERE public_id = $1',
        [post.id],
      );
      expect(row).toEqual({ title: 'Replaced', body: 'Replaced body' });

      const deleted = await t.request({
        method: 'DELETE',
        url: `/posts/${post.id}`,
        headers: bearer(admin.access_token),
      });
      expect(deleted.statusCode).toBe(204);
      const [after] = await t.sql<{ deleted_at: Date | null }>(
        'SELECT deleted_at FROM posts WHERE public_id = $1',
        [post.id],
      );
      expect(after.deleted_at).not.toBeNull();
    });

    it.each([
      ['granting themself admin', { scopes: [...DEFAULT_SCOPES, 'admin'] }],
      ['setting the scopes they already have', { scopes: [...DEFAULT_SCOPES] }],
      ['with a name change alongside', { name: 'Sneaky', scopes: [...DEFAULT_SCOPES, 'admin'] }],
    ])(
      'a non-admin PATCH of their own scopes (%s) answers 403 and changes nothing',
      async (_name, payload) => {
        const user = await signUp(t);
        const before = await t.sql('SELECT * FROM users WHERE public_id = $1', [user.id]);
        const response = await t.request({
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: bearer(user.token),
          payload,
        });
        expectError(response, 403, 'FORBIDDEN');
        expect(await t.sql('SELECT * FROM users WHERE public_id = $1', [user.id])).toEqual(before);
      },
    );

    it('sign-up with a scopes field answers 422 and creates nobody', async () => {
      const email = `self-admin-${randomUUID()}@example.com`;
      const response = await t.request({
        method: 'POST',
        url: '/users',
        payload: {
          email,
          name: 'Self-made admin',
          password: 'correct horse battery staple',
          scopes: ['admin'],
        },
      });
      expect(expectValidationError(response)).toContain('scopes');
      expect(await t.sql('SELECT id FROM users WHERE lower(email) = $1', [email])).toHaveLength(0);
    });
  });

  describe('refresh tokens', () => {
    it('rotate: a new pair, and the presented refresh token is spent', async () => {
      const user = await signUp(t);
      const rotated = expectData<TokenBody>(await refresh(user.refreshToken));
      expect(Object.keys(rotated).sort()).toEqual(TOKEN_KEYS);
      expect(rotated.token_type).toBe('Bearer');
      expect(rotated.expires_in).toBe(900);
      expect(rotated.scope.split(' ').sort()).toEqual(SORTED_DEFAULT_SCOPES);
      expect(rotated.refresh_token).not.toBe(user.refreshToken);
      expect(decodeJwt(rotated.access_token).payload.sub).toBe(user.id);
      expect(expectData<UserBody>(await me(bearer(rotated.access_token))).id).toBe(user.id);

      expectUnauthorized(await refresh(user.refreshToken));
    });

    it('are stored only as hashes', async () => {
      const user = await signUp(t);
      const rows = await t.sql<{ token_hash: string }>(
        `SELECT r.token_hash FROM refresh_tokens r JOIN users u ON u.id = r.user_id
         WHERE u.public_id = $1`,
        [user.id],
      );
      expect(rows.map((row) => row.token_hash)).toEqual([sha256Hex(user.refreshToken)]);
      const dump = JSON.stringify(await t.sql('SELECT * FROM refresh_tokens'));
      expect(dump).not.toContain(user.refreshToken);
    });

    it('presenting a spent token revokes its whole family, the newest token included', async () => {
      const user = await signUp(t);
      const otherLogin = await loginOk(user.email, user.password);
      const second = expectData<TokenBody>(await refresh(user.refreshToken));
      const newest = expectData<TokenBody>(await refresh(second.refresh_token));

      expectUnauthorized(await refresh(user.refreshToken));
      expectUnauthorized(await refresh(newest.refresh_token));
      expectUnauthorized(await refresh(second.refresh_token));
      // Another login of the same user is another family, and untouched.
      expectData<TokenBody>(await refresh(otherLogin.refresh_token));
    });

    it('logout answers 204 and revokes the family of the token', async () => {
      const user = await signUp(t);
      const otherLogin = await loginOk(user.email, user.password);
      const rotated = expectData<TokenBody>(await refresh(user.refreshToken));

      const response = await logout(rotated.refresh_token);
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');

      expectUnauthorized(await refresh(rotated.refresh_token));
      expectUnauthorized(await refresh(user.refreshToken));
      expectData<TokenBody>(await refresh(otherLogin.refresh_token));
    });

    it('an unknown refresh token answers 401', async () => {
      expectUnauthorized(await refresh('not-a-refresh-token'));
      expectUnauthorized(await refresh(Buffer.alloc(32, 7).toString('base64url')));
    });
  });

  describe('a deleted user', () => {
    it('is refused from the moment of deletion: access token, refresh token and password', async () => {
      const user = await signUp(t);
      // Recently used, so anything cached about the user is warm.
      expectData<UserBody>(await me(bearer(user.token)));
      expect(decodeJwt(user.token).payload.exp).toBeGreaterThan(nowSeconds());

      const deleted = await t.request({
        method: 'DELETE',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
      });
      expect(deleted.statusCode).toBe(204);

      expectUnauthorized(await me(bearer(user.token)));
      expectUnauthorized(
        await t.request({ method: 'GET', url: '/posts', headers: bearer(user.token) }),
      );
      expectUnauthorized(await refresh(user.refreshToken));
      const byPassword = expectUnauthorized(await login(user.email, user.password));
      const unknown = expectUnauthorized(await login(`nobody-${randomUUID()}@example.com`, 'x'));
      expect(withoutRequestId(byPassword)).toEqual(withoutRequestId(unknown));
    });
  });

  describe('GET /auth/me', () => {
    it('answers the caller as they see themself', async () => {
      const user = await signUp(t, { name: 'Me Myself' });
      const data = expectData<UserBody>(await me(bearer(user.token)));
      expectUser(data, 'private');
      expect(data.id).toBe(user.id);
      expect(data.name).toBe('Me Myself');
      expect(data.email).toBe(user.email);
      expect([...(data.scopes ?? [])].sort()).toEqual(SORTED_DEFAULT_SCOPES);
    });

    it('needs no particular scope', async () => {
      const user = await signUp(t);
      const token = signAsApp(t, validClaims(t, user.id, { scope: [] }));
      expect(expectData<UserBody>(await me(bearer(token))).id).toBe(user.id);
    });

    it('answers 401 without a token', async () => {
      expectUnauthorized(await me({}));
    });
  });

  describe('email and scopes visibility', () => {
    let alice: SignedUpUser;
    let bob: SignedUpUser;
    let admin: TokenBody;

    beforeAll(async () => {
      alice = await signUp(t);
      bob = await signUp(t);
      admin = await loginOk(ADMIN_EMAIL, ADMIN_PASSWORD);
    });

    function getUser(id: string, token: string): Promise<InjectResponse> {
      return t.request({ method: 'GET', url: `/users/${id}`, headers: bearer(token) });
    }

    it('GET /users/:id: the user and admins see email and scopes, other users see neither', async () => {
      // Alice first, so a cached copy exists before anyone else reads her.
      for (const [viewer, token] of [
        ['alice', alice.token],
        ['bob', bob.token],
        ['admin', admin.access_token],
        ['bob again', bob.token],
        ['alice again', alice.token],
      ] as const) {
        const response = await getUser(alice.id, token);
        const data = expectData<UserBody>(response);
        if (viewer.startsWith('bob')) {
          expectUser(data, 'public');
          expect(response.body).not.toContain(alice.email);
        } else {
          expectUser(data, 'private');
          expect(data.email).toBe(alice.email);
          expect([...(data.scopes ?? [])].sort()).toEqual(SORTED_DEFAULT_SCOPES);
        }
      }
    });

    it("GET /users: other users' entries without email and scopes, the viewer's own with them", async () => {
      const response = await t.request({
        method: 'GET',
        url: '/users?per_page=100',
        headers: bearer(bob.token),
      });
      const { data } = expectPage<UserBody>(response);
      const aliceEntry = data.find((user) => user.id === alice.id);
      const bobEntry = data.find((user) => user.id === bob.id);
      expect(aliceEntry).toBeDefined();
      expect(bobEntry).toBeDefined();
      expectUser(aliceEntry!, 'public');
      expectUser(bobEntry!, 'private');
      expect(bobEntry!.email).toBe(bob.email);
      for (const entry of data.filter((user) => user.id !== bob.id)) expectUser(entry, 'public');
      expect(response.body).not.toContain(alice.email);
      expect(response.body).not.toContain(ADMIN_EMAIL);
    });

    it('GET /users: admins see email and scopes of everyone', async () => {
      const response = await t.request({
        method: 'GET',
        url: '/users?per_page=100',
        headers: bearer(admin.access_token),
      });
      const { data } = expectPage<UserBody>(response);
      expect(data.map((user) => user.id)).toEqual(expect.arrayContaining([alice.id, bob.id]));
      for (const entry of data) expectUser(entry, 'private');
      expect(data.find((user) => user.id === alice.id)?.email).toBe(alice.email);
    });
  });
});

/**
 * Apps of their own, booted only after the shared app above has closed: passport keeps strategies
 * in one process-wide registry, so a second app booted in this file replaces the first app's
 * JWT strategy (its key and its database) until the end of the file.
 */
describe('settings that need an app of their own', () => {
  it('honours ACCESS_TOKEN_TTL_SECONDS in expires_in and exp', async () => {
    const short = await createTestApp({ ACCESS_TOKEN_TTL_SECONDS: '120' });
    try {
      const user = await signUp(short);
      const response = await short.request({
        method: 'POST',
        url: '/auth/token',
        payload: { email: user.email, password: user.password },
      });
      const tokens = expectData<TokenBody>(response);
      expect(tokens.expires_in).toBe(120);
      const { payload } = decodeJwt(tokens.access_token);
      expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    } finally {
      await short.close();
    }
  });

  describe('admin bootstrap', () => {
    it('is idempotent: two apps booted one after another on one database leave exactly one admin row', async () => {
      const database = await createTestDatabase();
      const env = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'the root password' };
      const adminRows = (app: TestApp) =>
        app.sql<{ public_id: string; scopes: string[]; deleted_at: Date | null }>(
          `SELECT public_id, scopes, deleted_at FROM users
           WHERE lower(email) = 'root@example.com' OR 'admin' = ANY (scopes)`,
        );
      try {
        const first = await createTestApp(env, database);
        let firstRows: Awaited<ReturnType<typeof adminRows>>;
        try {
          firstRows = await adminRows(first);
        } finally {
          await first.close();
        }
        expect(firstRows).toHaveLength(1);

        // The same admin, the email in another case (emails are case-insensitive).
        const second = await createTestApp({ ...env, ADMIN_EMAIL: 'Root@Example.com' }, database);
        try {
          const rows = await adminRows(second);
          expect(rows).toHaveLength(1);
          expect(rows[0].public_id).toBe(firstRows[0].public_id);
          expect(rows[0].deleted_at).toBeNull();
          expect([...rows[0].scopes].sort()).toEqual([...DEFAULT_SCOPES, 'admin'].sort());

          const login = await second.request({
            method: 'POST',
            url: '/auth/token',
            payload: { email: 'root@example.com', password: 'the root password' },
          });
          const tokens = expectData<TokenBody>(login);
          expect(tokens.scope.split(' ')).toContain('admin');
          expect(decodeJwt(tokens.access_token).payload.sub).toBe(rows[0].public_id);
        } finally {
          await second.close();
        }
      } finally {
        await database.stop();
      }
    });
  });
});
