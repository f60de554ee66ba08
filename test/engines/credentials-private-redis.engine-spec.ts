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
import { type AppPair, createAppPair } from '../support/app-pair.js';
import type { TestApp } from '../support/test-app.js';

/**
 * Issue 17, the account around the tokens, across two instances sharing PostgreSQL and a Redis
 * of their own (a private redis-server, test/support/redis-server.ts): a password change or a
 * scope taken away on one takes effect on the other at once. The rest:
 * test/credentials.e2e-spec.ts.
 */

describe('two instances sharing the database and a Redis', () => {
  let redis: PrivateRedis;
  let pair: AppPair;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    pair = await createAppPair(redis.url, { ADMIN_EMAIL, ADMIN_PASSWORD });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
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
