import { GENEROUS_LIMITS } from '../support/generous-limits.js';
import { jest } from '@jest/globals';
import { Client } from 'pg';
import {
  buildService,
  eventually,
  startService,
  type RunningService,
} from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { PgBouncer } from '../support/pgbouncer.js';
import { PostgresCluster } from '../support/postgres-cluster.js';
import { teardown } from '../support/teardown.js';
import { MIGRATION_LOCK_KEY } from '../../src/database/migration-runner.service.js';

/**
 * Issue 16: the service through PgBouncer in transaction mode with the package's default
 * settings, on a private PostgreSQL 15 cluster. The application's role is an ordinary one that
 * owns its database, as in production.
 */
/** Fixed ports, below the kernel's ephemeral range (see test/support/fixed-port.ts). */
const CLUSTER_PORT = 21411;
const BOUNCER_PORT = 21412;

jest.setTimeout(180_000);

describe('through PgBouncer in transaction mode', () => {
  let cluster: PostgresCluster;
  let bouncer: PgBouncer;
  const services: { service: RunningService; port: number }[] = [];

  beforeAll(async () => {
    await buildService();
    cluster = await PostgresCluster.create(CLUSTER_PORT);
    await cluster.query('CREATE ROLE app LOGIN');
    await cluster.query('CREATE DATABASE app OWNER app');
    bouncer = await PgBouncer.start({
      port: BOUNCER_PORT,
      backendPort: CLUSTER_PORT,
      database: 'app',
      users: ['app', 'postgres'],
    });
  });

  afterAll(() =>
    teardown(
      () =>
        Promise.all(
          services.map(({ service }) => {
            service.child.kill('SIGKILL');
            return service.exited;
          }),
        ),
      () => bouncer?.stop(),
      () => cluster?.destroy(),
    ),
  );

  async function start(env: Record<string, string> = {}): Promise<{
    service: RunningService;
    port: number;
  }> {
    const port = await freePort();
    const service = startService({
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: bouncer.url('app', 'app'),
      JWT_SECRET: 'a-secret-of-at-least-32-bytes-for-the-engine-tests',
      DOCS_ENABLED: 'false',
      ...GENEROUS_LIMITS,
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    });
    const running = { service, port };
    services.push(running);
    return running;
  }

  const ready = async (port: number): Promise<boolean> =>
    (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200;

  it('starts three instances at once on a fresh database: one migrates, all become ready, each warns of no Redis', async () => {
    const three = await Promise.all([start(), start(), start()]);
    for (const { port } of three) await eventually(() => ready(port));
    const migrated = three.filter(({ service }) =>
      service.stdout.join('').includes('Applied migrations'),
    );
    expect(migrated).toHaveLength(1);
    for (const { service } of three) {
      expect(service.stderr.join('')).toBe('');
      // Production without Redis: one warning line each.
      const warnings = service.stdout
        .join('')
        .split('\n')
        .filter((line) => line.includes('No Redis configured'));
      expect(warnings).toHaveLength(1);
    }
  });

  it('applies the statement, lock and idle-in-transaction timeouts to the sessions behind the pooler', async () => {
    // Five transactions open at once hold five server sessions: each shows the timeouts.
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const client = new Client({ connectionString: bouncer.url('app', 'app') });
        await client.connect();
        return client;
      }),
    );
    try {
      const shown = await Promise.all(
        clients.map(async (client) => {
          await client.query('BEGIN');
          const values = [];
          for (const name of [
            'statement_timeout',
            'lock_timeout',
            'idle_in_transaction_session_timeout',
          ]) {
            values.push((await client.query(`SHOW ${name}`)).rows[0][name] as string);
          }
          return values;
        }),
      );
      const backends = await Promise.all(
        clients.map(
          async (client) =>
            (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number,
        ),
      );
      expect(new Set(backends).size).toBe(5);
      expect(shown).toEqual(Array.from({ length: 5 }, () => ['15s', '1s', '30s']));
      // The server enforces them: a lock wait through the pooler is cut at lock_timeout (1 s).
      await clients[0].query('COMMIT');
      const holder = new Client({ connectionString: cluster.url('app') });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock(42)');
        await expect(clients[0].query('SELECT pg_advisory_lock(42)')).rejects.toMatchObject({
          code: '55P03',
        });
      } finally {
        await holder.end();
      }
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it('serves CRUD and replays idempotent creates, across two instances', async () => {
    const [first, second] = services.map(({ port }) => `http://127.0.0.1:${port}`);
    const json = { 'content-type': 'application/json' };
    const signUp = {
      method: 'POST',
      headers: { ...json, 'idempotency-key': 'sign-up-through-pgbouncer' },
      body: JSON.stringify({
        email: 'ada@example.com',
        name: 'Ada',
        password: 'correct horse battery',
      }),
    };
    const created = await fetch(`${first}/users`, signUp);
    expect(created.status).toBe(201);
    const user = ((await created.json()) as { data: { id: string } }).data;
    const replayed = await fetch(`${first}/users`, signUp);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replayed.json()) as { data: { id: string } }).data.id).toBe(user.id);

    const login = await fetch(`${second}/auth/token`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
    const auth = { ...json, authorization: `Bearer ${token}` };

    const post = await fetch(`${second}/users/${user.id}/posts`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'post-through-pgbouncer' },
      body: JSON.stringify({ title: 'Pooled', body: 'Through PgBouncer' }),
    });
    expect(post.status).toBe(201);
    const postId = ((await post.json()) as { data: { id: string } }).data.id;
    const postReplay = await fetch(`${first}/users/${user.id}/posts`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'post-through-pgbouncer' },
      body: JSON.stringify({ title: 'Pooled', body: 'Through PgBouncer' }),
    });
    expect(postReplay.headers.get('idempotent-replayed')).toBe('true');

    const patched = await fetch(`${first}/posts/${postId}`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ title: 'Pooled, changed' }),
    });
    expect(patched.status).toBe(200);
    const read = await fetch(`${second}/posts/${postId}`, { headers: auth });
    expect(((await read.json()) as { data: { title: string } }).data.title).toBe('Pooled, changed');
    const list = await fetch(`${second}/users/${user.id}/posts`, { headers: auth });
    expect(((await list.json()) as { meta: { total: number } }).meta.total).toBe(1);
    const removed = await fetch(`${second}/posts/${postId}`, {
      method: 'DELETE',
      headers: { authorization: auth.authorization },
    });
    expect(removed.status).toBe(204);
    expect((await fetch(`${first}/posts/${postId}`, { headers: auth })).status).toBe(404);
  });

  it('gives up waiting for the migration lock after MIGRATION_LOCK_TIMEOUT_SECONDS, in one line', async () => {
    const holder = new Client({ connectionString: cluster.url('app') });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const { service } = await start({ MIGRATION_LOCK_TIMEOUT_SECONDS: '1' });
      expect(await service.exited).toBe(1);
      const lines = service.stderr.join('').trim().split('\n');
      expect(lines).toEqual([expect.stringContaining('MIGRATION_LOCK_TIMEOUT_SECONDS=1')]);
    } finally {
      await holder.end();
    }
    // Released: a restart migrates nothing and becomes ready, never waiting on a stale lock.
    const { port } = await start();
    await eventually(() => ready(port));
  });
});
