import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SCOPES,
  expectData,
  expectError,
  expectUnauthorized,
} from '../support/api-expectations.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  loginOk,
  me,
  NEW_PASSWORD,
  patchUser,
  refresh,
} from '../support/credential-requests.js';
import { bearer, signUp } from '../support/fixtures.js';
import { PrivateRedis, startRedisServer, stopAllRedisServers } from '../support/redis-server.js';
import { createTestApp, TestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * Issue 17, the account around the tokens, across two instances sharing PostgreSQL and a Redis
 * of their own (a private redis-server, test/support/redis-server.ts): a password change or a
 * scope taken away on one takes effect on the other at once. The rest:
 * test/credentials.e2e-spec.ts.
 */

describe('two instances sharing the database and a Redis', () => {
  let redis: PrivateRedis;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    database = await createTestDatabase();
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `shared-${randomBytes(6).toString('hex')}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
    };
    a = await createTestApp(env, database);
    b = await createTestApp(env, database);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.stop();
    await redis?.stop();
    await stopAllRedisServers();
  });

  it('a password change on one refuses the older tokens on the other at once', async () => {
    const user = await signUp(a);
    const onB = await loginOk(b, user.email, user.password);
    expectData(await me(b, onB.access_token)); // B has the user cached
    expectData(await me(b, user.token));

    expectData(
      await patchUser(a, user.id, user.token, {
        password: NEW_PASSWORD,
        current_password: user.password,
      }),
    );
    expectUnauthorized(await me(b, onB.access_token));
    expectUnauthorized(await me(b, user.token));
    expectUnauthorized(await refresh(b, onB.refresh_token));
    const fresh = await loginOk(b, user.email, NEW_PASSWORD);
    expectData(await me(a, fresh.access_token));
  });

  it('a scope taken away on one is refused on the other at once', async () => {
    const adminTokens = await loginOk(a, ADMIN_EMAIL, ADMIN_PASSWORD);
    const user = await signUp(a);
    const list = () => b.request({ method: 'GET', url: '/posts', headers: bearer(user.token) });
    expect((await list()).statusCode).toBe(200);
    const reduced = DEFAULT_SCOPES.filter((scope) => scope !== 'posts:read');
    expectData(await patchUser(a, user.id, adminTokens.access_token, { scopes: reduced }));
    expectError(await list(), 403, 'FORBIDDEN');
  });
});
