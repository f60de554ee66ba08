import { eventually } from './support/built-service.js';
import { bearer, signUp, type SignedUpUser } from './support/fixtures.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase } from './support/test-database.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import type { ResolvedDatabase } from '../src/database/resolve-database.js';

/** The database link cut and restored under a running app, through a TCP proxy. */
describe('database outage', () => {
  let database: ResolvedDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let user: SignedUpUser;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    t = await createTestApp(
      {},
      { ...database, url: proxy.urlFor(database.url), stop: () => Promise.resolve() },
    );
    user = await signUp(t);
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
    await database.stop();
  });

  it('answers 503 for what needs the database, keeps /health 200, and recovers without a restart', async () => {
    expect((await t.request({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    await proxy.cut();

    const health = await t.request({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);

    const ready = await t.request({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });

    const signUpDuringOutage = await t.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'during-outage@example.com', name: 'Down', password: 'password-123' },
    });
    expect(signUpDuringOutage.statusCode).toBe(503);
    const error = signUpDuringOutage.json<{
      error: { code: string; message: string; request_id: string };
    }>().error;
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect|pg|select|insert/i);

    const rename = await t.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: bearer(user.token),
      payload: { name: 'Renamed during outage' },
    });
    expect(rename.statusCode).toBe(503);

    const list = await t.request({ method: 'GET', url: '/posts', headers: bearer(user.token) });
    expect(list.statusCode).toBe(503);

    await proxy.restore();
    await eventually(
      async () => (await t.request({ method: 'GET', url: '/ready' })).statusCode === 200,
      100,
    );

    const renameAfter = await t.request({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: bearer(user.token),
      payload: { name: 'Renamed after outage' },
    });
    expect(renameAfter.statusCode).toBe(200);
    const signUpAfter = await t.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'after-outage@example.com', name: 'Up', password: 'password-123' },
    });
    expect(signUpAfter.statusCode).toBe(201);
    const [row] = await t.sql<{ name: string }>('SELECT name FROM users WHERE public_id = $1', [
      user.id,
    ]);
    expect(row.name).toBe('Renamed after outage');
    const [none] = await t.sql<{ count: string }>(
      "SELECT count(*) FROM users WHERE email = 'during-outage@example.com'",
    );
    expect(Number(none.count)).toBe(0);
  });
});
