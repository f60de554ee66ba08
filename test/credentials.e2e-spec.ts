import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { buildOpenApiDocument } from '../src/openapi/swagger.js';
import {
  DEFAULT_SCOPES,
  expectData,
  expectError,
  expectUnauthorized,
  expectValidationError,
  UserBody,
} from './support/api-expectations.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  login,
  loginOk,
  me,
  NEW_PASSWORD,
  patchUser,
  refresh,
  TokenBody,
} from './support/credential-requests.js';
import { bearer, signUp, SignedUpUser } from './support/fixtures.js';
import { createTestApp, TestApp } from './support/test-app.js';
import { signByHand, validClaims } from './support/tokens.js';

/**
 * Issue 17, the account around the tokens: the admin bootstrap never promotes a squatter;
 * changing one's own password or email needs the current password; a password change ends every
 * session and every older access token; a request is authorised with the scopes the user holds
 * now; emails are NFC-normalised and at most 254 characters; a JWT with `crit` is refused. The
 * admin bootstrap: admin-bootstrap.e2e-spec.ts. The same on every instance (two sharing a
 * redis-server of their own): test/engines/credentials-private-redis.engine-spec.ts.
 */

function putUser(
  t: TestApp,
  id: string,
  token: string,
  payload: Record<string, unknown>,
): Promise<InjectResponse> {
  return t.request({ method: 'PUT', url: `/users/${id}`, headers: bearer(token), payload });
}

async function storedEmail(t: TestApp, id: string): Promise<string> {
  const [row] = await t.sql<{ email: string }>('SELECT email FROM users WHERE public_id = $1', [
    id,
  ]);
  return row.email;
}

describe('credentials, scopes and emails', () => {
  let t: TestApp;
  let admin: TokenBody;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });
    admin = await loginOk(t, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  describe("changing one's own password or email needs current_password", () => {
    let user: SignedUpUser;
    beforeEach(async () => {
      user = await signUp(t);
    });

    it('PATCH password without current_password: 422 naming current_password, nothing changed', async () => {
      const response = await patchUser(t, user.id, user.token, { password: NEW_PASSWORD });
      expect(expectValidationError(response)).toEqual(['current_password']);
      await loginOk(t, user.email, user.password);
      expectError(await login(t, user.email, NEW_PASSWORD), 401, 'UNAUTHORIZED');
    });

    it('PATCH email without current_password: 422 naming current_password, nothing changed', async () => {
      const response = await patchUser(t, user.id, user.token, {
        email: `moved-${randomBytes(4).toString('hex')}@example.com`,
      });
      expect(expectValidationError(response)).toEqual(['current_password']);
      expect(await storedEmail(t, user.id)).toBe(user.email);
    });

    it('PUT with a new email without current_password: 422 naming current_password', async () => {
      const response = await putUser(t, user.id, user.token, {
        email: `moved-${randomBytes(4).toString('hex')}@example.com`,
        name: 'Renamed',
      });
      expect(expectValidationError(response)).toEqual(['current_password']);
      expect(await storedEmail(t, user.id)).toBe(user.email);
    });

    it('PUT keeping the email, and PATCH of the name only, need no current_password', async () => {
      expectData(await putUser(t, user.id, user.token, { email: user.email, name: 'Renamed' }));
      expectData(await patchUser(t, user.id, user.token, { name: 'Renamed again' }));
    });

    it('a wrong current_password: 403 FORBIDDEN, nothing changed', async () => {
      const password = await patchUser(t, user.id, user.token, {
        password: NEW_PASSWORD,
        current_password: 'not the password at all',
      });
      expectError(password, 403, 'FORBIDDEN');
      const email = await patchUser(t, user.id, user.token, {
        email: `moved-${randomBytes(4).toString('hex')}@example.com`,
        current_password: 'not the password at all',
      });
      expectError(email, 403, 'FORBIDDEN');
      expect(await storedEmail(t, user.id)).toBe(user.email);
      await loginOk(t, user.email, user.password);
    });

    it('the right current_password: the change is made (PATCH email and PUT email too)', async () => {
      const moved = `moved-${randomBytes(4).toString('hex')}@example.com`;
      const patched = await patchUser(t, user.id, user.token, {
        email: moved,
        current_password: user.password,
      });
      expect(expectData<UserBody>(patched).email).toBe(moved);
      const again = `again-${randomBytes(4).toString('hex')}@example.com`;
      const replaced = await putUser(t, user.id, user.token, {
        email: again,
        name: 'Replaced',
        current_password: user.password,
      });
      expect(expectData<UserBody>(replaced).email).toBe(again);
      await loginOk(t, again, user.password);
    });

    it('an admin changing another user needs none', async () => {
      expectData(await patchUser(t, user.id, admin.access_token, { password: NEW_PASSWORD }));
      await loginOk(t, user.email, NEW_PASSWORD);
      const moved = `by-admin-${randomBytes(4).toString('hex')}@example.com`;
      expectData(await putUser(t, user.id, admin.access_token, { email: moved, name: 'By admin' }));
      expect(await storedEmail(t, user.id)).toBe(moved);
    });
  });

  describe('a password change ends every session', () => {
    it('by the user: every refresh token and every older access token is refused at once', async () => {
      const user = await signUp(t);
      const other = await loginOk(t, user.email, user.password); // a second session
      const changed = await patchUser(t, user.id, user.token, {
        password: NEW_PASSWORD,
        current_password: user.password,
      });
      expectData(changed);

      expectUnauthorized(await me(t, user.token));
      expectUnauthorized(await me(t, other.access_token));
      expectUnauthorized(await refresh(t, user.refreshToken));
      expectUnauthorized(await refresh(t, other.refresh_token));

      const fresh = await loginOk(t, user.email, NEW_PASSWORD);
      expectData(await me(t, fresh.access_token));
      expectData(await refresh(t, fresh.refresh_token));
    });

    it('by an admin: the same', async () => {
      const user = await signUp(t);
      expectData(await me(t, user.token)); // the user is in the cache
      expectData(await patchUser(t, user.id, admin.access_token, { password: NEW_PASSWORD }));
      expectUnauthorized(await me(t, user.token));
      expectUnauthorized(await refresh(t, user.refreshToken));
    });

    it('a change of name or email alone keeps the sessions', async () => {
      const user = await signUp(t);
      expectData(await patchUser(t, user.id, user.token, { name: 'Still here' }));
      expectData(
        await patchUser(t, user.id, user.token, {
          email: `kept-${randomBytes(4).toString('hex')}@example.com`,
          current_password: user.password,
        }),
      );
      expectData(await me(t, user.token));
      expectData(await refresh(t, user.refreshToken));
    });
  });

  describe('scopes are the ones the user holds now', () => {
    it('a scope an admin took away is refused on the old token at once', async () => {
      const user = await signUp(t);
      const create = () =>
        t.request({
          method: 'POST',
          url: `/users/${user.id}/posts`,
          headers: bearer(user.token),
          payload: { title: 'T', body: 'B' },
        });
      expect((await create()).statusCode).toBe(201);
      const reduced = DEFAULT_SCOPES.filter((scope) => scope !== 'posts:write');
      expectData(await patchUser(t, user.id, admin.access_token, { scopes: reduced }));
      expectError(await create(), 403, 'FORBIDDEN');
      // Given back, the same token works again: the token's scopes still bound what it may do.
      expectData(await patchUser(t, user.id, admin.access_token, { scopes: DEFAULT_SCOPES }));
      expect((await create()).statusCode).toBe(201);
    });

    it('a token never gains a scope the user was granted after it was issued', async () => {
      const user = await signUp(t);
      const target = await signUp(t);
      expectData(
        await patchUser(t, user.id, admin.access_token, { scopes: [...DEFAULT_SCOPES, 'admin'] }),
      );
      // The old token names no admin: still not an admin.
      expectError(
        await patchUser(t, target.id, user.token, { name: 'Not yours' }),
        403,
        'FORBIDDEN',
      );
    });

    it('admin taken away: the old admin token loses admin at once', async () => {
      const user = await signUp(t);
      const target = await signUp(t);
      expectData(
        await patchUser(t, user.id, admin.access_token, { scopes: [...DEFAULT_SCOPES, 'admin'] }),
      );
      const promoted = await loginOk(t, user.email, user.password);
      expect(promoted.scope.split(' ')).toContain('admin');
      expectData(await patchUser(t, target.id, promoted.access_token, { name: 'By admin' }));

      expectData(await patchUser(t, user.id, admin.access_token, { scopes: DEFAULT_SCOPES }));
      expectError(
        await patchUser(t, target.id, promoted.access_token, { name: 'No longer' }),
        403,
        'FORBIDDEN',
      );
      const seen = await t.request({
        method: 'GET',
        url: `/users/${target.id}`,
        headers: bearer(promoted.access_token),
      });
      expect(expectData<UserBody>(seen).email).toBeUndefined();
    });
  });

  describe('emails', () => {
    it('are NFC-normalised: Cafe\\u0301@ and Café@ are one account', async () => {
      const suffix = randomBytes(4).toString('hex');
      const decomposed = `cafe\u0301-${suffix}@example.com`;
      const composed = `café-${suffix}@example.com`;
      const created = await t.request({
        method: 'POST',
        url: '/users',
        payload: { email: decomposed.toUpperCase(), name: 'Café', password: 'correct horse' },
      });
      const user = expectData<UserBody>(created, 201);
      expect(user.email).toBe(composed);
      const twin = await t.request({
        method: 'POST',
        url: '/users',
        payload: { email: composed, name: 'Twin', password: 'correct horse' },
      });
      expectError(twin, 409, 'CONFLICT');
      await loginOk(t, composed, 'correct horse');
      await loginOk(t, decomposed, 'correct horse');
    });

    /** A valid address of exactly `length` characters. */
    function emailOfLength(length: number): string {
      const head = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.`;
      const email = `${head}${'d'.repeat(length - head.length - 4)}.com`;
      expect(email).toHaveLength(length);
      return email;
    }

    it('are at most 254 characters: in sign-up, login, the OpenAPI document and the column', async () => {
      const longest = emailOfLength(254);
      const created = await t.request({
        method: 'POST',
        url: '/users',
        payload: { email: longest, name: 'Long', password: 'correct horse' },
      });
      expectData(created, 201);
      await loginOk(t, longest, 'correct horse');

      const over = emailOfLength(255);
      const refused = await t.request({
        method: 'POST',
        url: '/users',
        payload: { email: over, name: 'Longer', password: 'correct horse' },
      });
      expect(expectValidationError(refused)).toEqual(['email']);
      expect(expectValidationError(await login(t, over, 'correct horse'))).toEqual(['email']);

      const [column] = await t.sql<{ length: number }>(
        `SELECT character_maximum_length AS length FROM information_schema.columns
          WHERE table_name = 'users' AND column_name = 'email'`,
      );
      expect(column.length).toBe(254);

      const schemas = buildOpenApiDocument(t.app, { docs: false }).components?.schemas ?? {};
      for (const name of [
        'CreateUserInput',
        'UpdateUserInput',
        'ReplaceUserInput',
        'TokenRequestInput',
      ]) {
        const email = (schemas[name] as { properties: Record<string, { maxLength?: number }> })
          .properties.email;
        expect({ name, maxLength: email.maxLength }).toEqual({ name, maxLength: 254 });
      }
    });
  });

  describe('a JWT header with crit (RFC 7515 §4.1.11)', () => {
    it('naming an extension the service does not understand is refused 401', async () => {
      const user = await signUp(t);
      const claims = validClaims(t, user.id);
      const plain = signByHand({ alg: 'HS256', typ: 'JWT' }, claims, t.config.jwt.secret);
      expectData(await me(t, plain)); // control: the same token without crit
      const critical = signByHand(
        { alg: 'HS256', typ: 'JWT', crit: ['x-unknown'], 'x-unknown': true },
        claims,
        t.config.jwt.secret,
      );
      expectUnauthorized(await me(t, critical));
      const empty = signByHand({ alg: 'HS256', typ: 'JWT', crit: [] }, claims, t.config.jwt.secret);
      expectUnauthorized(await me(t, empty));
    });
  });
});
