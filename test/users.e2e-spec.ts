import { randomUUID } from 'node:crypto';
import { createTestApp, TestApp } from './support/test-app.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import {
  DEFAULT_SCOPES,
  expectData,
  expectError,
  expectNoSecrets,
  expectPage,
  expectUnauthorized,
  expectUser,
  expectValidationError,
  PostBody,
  UserBody,
} from './support/api-expectations.js';

const PASSWORD = 'correct horse battery staple';

interface UserRow {
  id: number;
  public_id: string;
  email: string;
  name: string;
  password_hash: string;
  scopes: string[];
  deleted_at: Date | null;
}

function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

describe('users', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function userRow(publicId: string): Promise<UserRow | undefined> {
    const [row] = await t.sql<UserRow>(
      'SELECT id, public_id, email, name, password_hash, scopes, deleted_at FROM users WHERE public_id = $1',
      [publicId],
    );
    return row;
  }

  function liveUsersWithEmail(email: string): Promise<number> {
    return t.count('users', 'lower(email) = lower($1) AND deleted_at IS NULL', [email]);
  }

  function postUser(payload: unknown) {
    return t.request({
      method: 'POST',
      url: '/users',
      payload: payload as Record<string, unknown>,
    });
  }

  function login(email: string, password: string) {
    return t.request({ method: 'POST', url: '/auth/token', payload: { email, password } });
  }

  /** Moves a user's timestamps an hour back, so a later write visibly advances updated_at. */
  async function ageUser(publicId: string): Promise<void> {
    await t.sql(
      `UPDATE users SET created_at = created_at - interval '1 hour',
                        updated_at = updated_at - interval '1 hour' WHERE public_id = $1`,
      [publicId],
    );
  }

  describe('POST /users (sign-up)', () => {
    it('answers 201 with Location and the new user as they see themself', async () => {
      const email = uniqueEmail('ada');
      const response = await postUser({ email, name: 'Ada Lovelace', password: PASSWORD });

      const user = expectData<UserBody>(response, 201);
      expectUser(user, 'private');
      expect(response.headers.location).toBe(`/users/${user.id}`);
      expect(user).toMatchObject({ name: 'Ada Lovelace', email, scopes: DEFAULT_SCOPES });
      expect(user.updated_at).toBe(user.created_at);
      expectNoSecrets(response, PASSWORD);

      const row = await userRow(user.id);
      expect(row).toMatchObject({ email, name: 'Ada Lovelace', deleted_at: null });
      expect(row?.scopes.sort()).toEqual([...DEFAULT_SCOPES].sort());
      // The password is stored only as a hash, and the internal id is not the public one.
      expect(row?.password_hash).toMatch(/^\$argon2id\$/);
      expect(row?.password_hash).not.toContain(PASSWORD);
      expect(response.body).not.toContain(`"id":${row?.id}`);
    });

    it('trims and lower-cases the email, in the response and in the database', async () => {
      const local = `Grace.Hopper-${randomUUID().slice(0, 8)}`;
      const response = await postUser({
        email: `  ${local}@Example.COM \t`,
        name: 'Grace',
        password: PASSWORD,
      });

      const user = expectData<UserBody>(response, 201);
      const normalised = `${local.toLowerCase()}@example.com`;
      expect(user.email).toBe(normalised);
      expect((await userRow(user.id))?.email).toBe(normalised);
      // The user logs in with the normalised address.
      expect((await login(normalised, PASSWORD)).statusCode).toBe(200);
    });

    it('answers 409 for an email already in use, also in another case or with spaces', async () => {
      const existing = await signUp(t);
      for (const variant of [
        existing.email,
        existing.email.toUpperCase(),
        `  ${existing.email}  `,
        ` ${existing.email.replace(/^./, (c) => c.toUpperCase())}`,
      ]) {
        const response = await postUser({ email: variant, name: 'Copy', password: PASSWORD });
        expectError(response, 409, 'CONFLICT');
      }
      expect(await liveUsersWithEmail(existing.email)).toBe(1);
    });

    it('answers 422 with one detail per missing field and creates nothing', async () => {
      const [before] = await t.sql<{ count: string }>('SELECT count(*) AS count FROM users');
      const response = await postUser({});

      expect(expectValidationError(response)).toEqual(['email', 'name', 'password']);
      const [after] = await t.sql<{ count: string }>('SELECT count(*) AS count FROM users');
      expect(after.count).toBe(before.count);
    });

    it.each([
      ['email', { email: 'not-an-email' }],
      ['email', { email: `${'a'.repeat(250)}@example.com` }],
      ['email', { email: 42 }],
      ['name', { name: '' }],
      ['name', { name: 'n'.repeat(101) }],
      ['password', { password: 'short' }],
      ['password', { password: 'p'.repeat(129) }],
    ])('answers 422 naming %s when it is invalid (%j)', async (field, override) => {
      const email = uniqueEmail();
      const response = await postUser({ email, name: 'Valid', password: PASSWORD, ...override });

      expect(expectValidationError(response)).toEqual([field]);
      expect(await liveUsersWithEmail(email)).toBe(0);
    });

    it('refuses unknown fields with 422, scopes included (no self-granted admin)', async () => {
      const email = uniqueEmail();
      const response = await postUser({
        email,
        name: 'Mallory',
        password: PASSWORD,
        scopes: ['admin'],
        is_admin: true,
      });

      expect(expectValidationError(response)).toEqual(['is_admin', 'scopes']);
      expect(await liveUsersWithEmail(email)).toBe(0);
    });
  });

  describe('GET /users', () => {
    let viewer: SignedUpUser;
    let other: SignedUpUser;

    beforeAll(async () => {
      viewer = await signUp(t);
      other = await signUp(t);
    });

    it('answers 200 with {data, meta}: others without email, the viewer with it', async () => {
      const { data, meta } = expectPage<UserBody>(
        await t.request({
          method: 'GET',
          url: '/users?per_page=100',
          headers: bearer(viewer.token),
        }),
      );

      const [live] = await t.sql<{ count: string }>(
        'SELECT count(*) AS count FROM users WHERE deleted_at IS NULL',
      );
      expect(meta).toMatchObject({ page: 1, per_page: 100, total: Number(live.count) });
      expect(data).toHaveLength(Number(live.count));
      for (const user of data) expectUser(user, user.id === viewer.id ? 'private' : 'public');
      expect(data.find((user) => user.id === viewer.id)?.email).toBe(viewer.email);
      expect(data.find((user) => user.id === other.id)).toBeDefined();
      expect(JSON.stringify(data)).not.toContain(other.email);
      expect(JSON.stringify(data)).not.toMatch(/password/);
    });

    it('answers 401 without a token', async () => {
      expectUnauthorized(await t.request({ method: 'GET', url: '/users' }));
    });
  });

  describe('GET /users/:id', () => {
    let viewer: SignedUpUser;
    let other: SignedUpUser;

    beforeAll(async () => {
      viewer = await signUp(t, { name: 'Viewer' });
      other = await signUp(t, { name: 'Other' });
    });

    it('shows another user without email and scopes', async () => {
      const user = expectData<UserBody>(
        await t.request({
          method: 'GET',
          url: `/users/${other.id}`,
          headers: bearer(viewer.token),
        }),
      );
      expectUser(user, 'public');
      expect(user).toMatchObject({ id: other.id, name: 'Other' });
    });

    it('shows the user themself with email and scopes', async () => {
      const user = expectData<UserBody>(
        await t.request({
          method: 'GET',
          url: `/users/${viewer.id}`,
          headers: bearer(viewer.token),
        }),
      );
      expectUser(user, 'private');
      expect(user).toMatchObject({ id: viewer.id, email: viewer.email, scopes: DEFAULT_SCOPES });
    });

    it.each([
      ['an unknown id', () => randomUUID()],
      ['a malformed id', () => 'not-a-uuid'],
      ['an almost-uuid', () => `${randomUUID()}x`],
    ])('answers 404 for %s', async (_label, id) => {
      expectError(
        await t.request({ method: 'GET', url: `/users/${id()}`, headers: bearer(viewer.token) }),
        404,
        'NOT_FOUND',
      );
    });

    it('answers 401 without a token', async () => {
      expectUnauthorized(await t.request({ method: 'GET', url: `/users/${other.id}` }));
    });
  });

  describe('PUT /users/:id', () => {
    it('replaces email and name (email normalised) and answers 200', async () => {
      const user = await signUp(t);
      await ageUser(user.id);
      const before = await userRow(user.id);
      const email = uniqueEmail('Replaced').toUpperCase();

      const updated = expectData<UserBody>(
        await t.request({
          method: 'PUT',
          url: `/users/${user.id}`,
          headers: bearer(user.token),
          payload: { email: `  ${email} `, name: 'Replaced', current_password: user.password },
        }),
      );

      expectUser(updated, 'private');
      expect(updated).toMatchObject({ id: user.id, name: 'Replaced', email: email.toLowerCase() });
      expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(updated.created_at));
      const after = await userRow(user.id);
      expect(after).toMatchObject({ email: email.toLowerCase(), name: 'Replaced' });
      // PUT does not touch the password.
      expect(after?.password_hash).toBe(before?.password_hash);
    });

    it.each([
      ['name', { email: 'only-email@example.com' }],
      ['email', { name: 'Only Name' }],
    ])('answers 422 naming %s when it is missing, and changes nothing', async (field, payload) => {
      const user = await signUp(t, { name: 'Unchanged' });
      const response = await t.request({
        method: 'PUT',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload,
      });

      expect(expectValidationError(response)).toEqual([field]);
      expect(await userRow(user.id)).toMatchObject({ email: user.email, name: 'Unchanged' });
    });

    it('answers 422 for a field PUT does not take (password)', async () => {
      const user = await signUp(t);
      const response = await t.request({
        method: 'PUT',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { email: user.email, name: 'New', password: 'another password' },
      });
      expect(expectValidationError(response)).toEqual(['password']);
    });

    it("answers 409 for another live user's email in any case, and changes nothing", async () => {
      const user = await signUp(t, { name: 'Mine' });
      const taken = await signUp(t);
      const response = await t.request({
        method: 'PUT',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: {
          email: ` ${taken.email.toUpperCase()}`,
          name: 'Mine too',
          current_password: user.password,
        },
      });

      expectError(response, 409, 'CONFLICT');
      expect(await userRow(user.id)).toMatchObject({ email: user.email, name: 'Mine' });
    });

    it("answers 403 on another user's account and changes nothing", async () => {
      const owner = await signUp(t, { name: 'Owner' });
      const intruder = await signUp(t);
      const response = await t.request({
        method: 'PUT',
        url: `/users/${owner.id}`,
        headers: bearer(intruder.token),
        payload: { email: uniqueEmail(), name: 'Hijacked' },
      });

      expectError(response, 403, 'FORBIDDEN');
      expect(await userRow(owner.id)).toMatchObject({ email: owner.email, name: 'Owner' });
    });

    it('answers 401 without a token', async () => {
      const user = await signUp(t);
      expectUnauthorized(
        await t.request({
          method: 'PUT',
          url: `/users/${user.id}`,
          payload: { email: uniqueEmail(), name: 'X' },
        }),
      );
    });
  });

  describe('PATCH /users/:id', () => {
    it('changes only the fields sent', async () => {
      const user = await signUp(t, { name: 'Before' });
      await ageUser(user.id);

      const updated = expectData<UserBody>(
        await t.request({
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: bearer(user.token),
          payload: { name: 'After' },
        }),
      );

      expectUser(updated, 'private');
      expect(updated).toMatchObject({ name: 'After', email: user.email, scopes: DEFAULT_SCOPES });
      expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(updated.created_at));
      expect(await userRow(user.id)).toMatchObject({ name: 'After', email: user.email });
    });

    it('normalises a new email', async () => {
      const user = await signUp(t);
      const email = uniqueEmail('patched');
      const updated = expectData<UserBody>(
        await t.request({
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: bearer(user.token),
          payload: { email: `\t${email.toUpperCase()} `, current_password: user.password },
        }),
      );
      expect(updated.email).toBe(email);
      expect((await userRow(user.id))?.email).toBe(email);
    });

    it('changes the password: the new one logs in, the old one no longer does', async () => {
      const user = await signUp(t);
      const newPassword = 'a brand new passphrase';
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { password: newPassword, current_password: user.password },
      });

      expectUser(expectData<UserBody>(response), 'private');
      expectNoSecrets(response, newPassword);
      expect((await login(user.email, newPassword)).statusCode).toBe(200);
      expectUnauthorized(await login(user.email, user.password));
    });

    it('answers 403 when a non-admin sets scopes, and changes nothing', async () => {
      const user = await signUp(t);
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { scopes: [...DEFAULT_SCOPES, 'admin'] },
      });

      expectError(response, 403, 'FORBIDDEN');
      expect((await userRow(user.id))?.scopes.sort()).toEqual([...DEFAULT_SCOPES].sort());
    });

    it('answers 422 for invalid and unknown fields, one detail each, and changes nothing', async () => {
      const user = await signUp(t, { name: 'Stays' });
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { name: '', email: 'nope', nickname: 'x' },
      });

      expect(expectValidationError(response)).toEqual(['email', 'name', 'nickname']);
      expect(await userRow(user.id)).toMatchObject({ name: 'Stays', email: user.email });
    });

    it("answers 409 for another live user's email, and changes nothing", async () => {
      const user = await signUp(t);
      const taken = await signUp(t);
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${user.id}`,
        headers: bearer(user.token),
        payload: { email: taken.email.toUpperCase(), current_password: user.password },
      });

      expectError(response, 409, 'CONFLICT');
      expect((await userRow(user.id))?.email).toBe(user.email);
    });

    it("answers 403 on another user's account and changes nothing", async () => {
      const owner = await signUp(t, { name: 'Owner' });
      const intruder = await signUp(t);
      const response = await t.request({
        method: 'PATCH',
        url: `/users/${owner.id}`,
        headers: bearer(intruder.token),
        payload: { name: 'Hijacked' },
      });

      expectError(response, 403, 'FORBIDDEN');
      expect((await userRow(owner.id))?.name).toBe('Owner');
    });

    it('answers 401 without a token', async () => {
      const user = await signUp(t);
      expectUnauthorized(
        await t.request({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'X' } }),
      );
    });

    it('answers 404 for a malformed id', async () => {
      const user = await signUp(t);
      expectError(
        await t.request({
          method: 'PATCH',
          url: '/users/not-a-uuid',
          headers: bearer(user.token),
          payload: { name: 'X' },
        }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('DELETE /users/:id (soft delete)', () => {
    let deleted: SignedUpUser;
    let bystander: SignedUpUser;
    let deletedPostIds: string[];
    let bystanderPostId: string;

    beforeAll(async () => {
      deleted = await signUp(t, { name: 'Leaving' });
      bystander = await signUp(t, { name: 'Staying' });
      deletedPostIds = [(await createPost(t, deleted)).id, (await createPost(t, deleted)).id];
      bystanderPostId = (await createPost(t, bystander)).id;

      const response = await t.request({
        method: 'DELETE',
        url: `/users/${deleted.id}`,
        headers: bearer(deleted.token),
      });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
    });

    it('keeps the rows, marking the user and all their posts deleted', async () => {
      const user = await userRow(deleted.id);
      expect(user).toBeDefined();
      expect(user?.deleted_at).toBeInstanceOf(Date);

      const posts = await t.sql<{ public_id: string; deleted_at: Date | null }>(
        `SELECT p.public_id, p.deleted_at FROM posts p JOIN users u ON u.id = p.user_id
          WHERE u.public_id = $1`,
        [deleted.id],
      );
      expect(posts.map((post) => post.public_id).sort()).toEqual([...deletedPostIds].sort());
      for (const post of posts) expect(post.deleted_at).toBeInstanceOf(Date);

      const [other] = await t.sql<{ deleted_at: Date | null }>(
        'SELECT deleted_at FROM posts WHERE public_id = $1',
        [bystanderPostId],
      );
      expect(other.deleted_at).toBeNull();
      expect((await userRow(bystander.id))?.deleted_at).toBeNull();
    });

    it('answers 404 for the deleted user', async () => {
      expectError(
        await t.request({
          method: 'GET',
          url: `/users/${deleted.id}`,
          headers: bearer(bystander.token),
        }),
        404,
        'NOT_FOUND',
      );
    });

    it('leaves the user out of GET /users', async () => {
      const { data, meta } = expectPage<UserBody>(
        await t.request({
          method: 'GET',
          url: '/users?per_page=100',
          headers: bearer(bystander.token),
        }),
      );
      expect(data.map((user) => user.id)).not.toContain(deleted.id);
      expect(data.map((user) => user.id)).toContain(bystander.id);
      const [live] = await t.sql<{ count: string }>(
        'SELECT count(*) AS count FROM users WHERE deleted_at IS NULL',
      );
      expect(meta.total).toBe(Number(live.count));
    });

    it('leaves their posts out of GET /posts and answers 404 for each of them', async () => {
      const { data } = expectPage<PostBody>(
        await t.request({
          method: 'GET',
          url: '/posts?per_page=100',
          headers: bearer(bystander.token),
        }),
      );
      const listed = data.map((post) => post.id);
      for (const id of deletedPostIds) expect(listed).not.toContain(id);
      expect(listed).toContain(bystanderPostId);
      expect(data.map((post) => post.author_id)).not.toContain(deleted.id);

      for (const id of deletedPostIds) {
        expectError(
          await t.request({ method: 'GET', url: `/posts/${id}`, headers: bearer(bystander.token) }),
          404,
          'NOT_FOUND',
        );
      }
    });

    it('answers 404 for GET /users/:id/posts of the deleted user', async () => {
      expectError(
        await t.request({
          method: 'GET',
          url: `/users/${deleted.id}/posts`,
          headers: bearer(bystander.token),
        }),
        404,
        'NOT_FOUND',
      );
    });

    it("refuses the deleted user's token with 401", async () => {
      for (const url of ['/auth/me', '/posts', `/users/${bystander.id}`]) {
        expectUnauthorized(await t.request({ method: 'GET', url, headers: bearer(deleted.token) }));
      }
      expectUnauthorized(
        await t.request({
          method: 'POST',
          url: `/users/${deleted.id}/posts`,
          headers: bearer(deleted.token),
          payload: { title: 'Ghost', body: 'Written after deletion' },
        }),
      );
    });

    it("lets the deleted user's email sign up again, as a new user", async () => {
      const response = await postUser({
        email: deleted.email.toUpperCase(),
        name: 'Returning',
        password: PASSWORD,
      });

      const user = expectData<UserBody>(response, 201);
      expect(user.id).not.toBe(deleted.id);
      expect(user.email).toBe(deleted.email);
      const rows = await t.sql<{ public_id: string; deleted_at: Date | null }>(
        'SELECT public_id, deleted_at FROM users WHERE email = $1 ORDER BY id',
        [deleted.email],
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ public_id: deleted.id });
      expect(rows[0].deleted_at).toBeInstanceOf(Date);
      expect(rows[1]).toEqual({ public_id: user.id, deleted_at: null });
    });

    it("answers 403 on another user's account and deletes nothing", async () => {
      const owner = await signUp(t);
      const intruder = await signUp(t);
      const postId = (await createPost(t, owner)).id;

      expectError(
        await t.request({
          method: 'DELETE',
          url: `/users/${owner.id}`,
          headers: bearer(intruder.token),
        }),
        403,
        'FORBIDDEN',
      );
      expect((await userRow(owner.id))?.deleted_at).toBeNull();
      const [post] = await t.sql<{ deleted_at: Date | null }>(
        'SELECT deleted_at FROM posts WHERE public_id = $1',
        [postId],
      );
      expect(post.deleted_at).toBeNull();
    });

    it('answers 401 without a token and deletes nothing', async () => {
      const owner = await signUp(t);
      expectUnauthorized(await t.request({ method: 'DELETE', url: `/users/${owner.id}` }));
      expect((await userRow(owner.id))?.deleted_at).toBeNull();
    });

    it('never leaves a live post by a deleted author when creation and deletion race', async () => {
      const rounds = 10;
      for (let round = 0; round < rounds; round += 1) {
        const author = await signUp(t);
        await createPost(t, author);
        const [created, removed] = await Promise.all([
          t.request({
            method: 'POST',
            url: `/users/${author.id}/posts`,
            headers: bearer(author.token),
            payload: { title: `Race ${round}`, body: 'Racing the deletion' },
          }),
          t.request({
            method: 'DELETE',
            url: `/users/${author.id}`,
            headers: bearer(author.token),
          }),
        ]);
        expect(removed.statusCode).toBe(204);
        // Either the post made it in before the deletion (and was deleted with the user), or
        // the request found the user gone.
        expect([201, 401, 404]).toContain(created.statusCode);

        const posts = await t.sql<{ deleted_at: Date | null }>(
          `SELECT p.deleted_at FROM posts p JOIN users u ON u.id = p.user_id
            WHERE u.public_id = $1`,
          [author.id],
        );
        expect(posts.length).toBe(created.statusCode === 201 ? 2 : 1);
        for (const post of posts) expect(post.deleted_at).toBeInstanceOf(Date);
      }

      const [orphans] = await t.sql<{ count: string }>(
        `SELECT count(*) AS count FROM posts p JOIN users u ON u.id = p.user_id
          WHERE p.deleted_at IS NULL AND u.deleted_at IS NOT NULL`,
      );
      expect(Number(orphans.count)).toBe(0);
    });
  });
});
