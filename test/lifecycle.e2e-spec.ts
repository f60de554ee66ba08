import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ResolvedDatabase } from '../src/database/resolve-database.js';
import { buildService, eventually, startService } from './support/built-service.js';
import { freePort } from './support/free-port.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase } from './support/test-database.js';

/**
 * The service as a separate process, as Kubernetes runs it: start-up validation and the graceful
 * shutdown on SIGTERM.
 */
describe('process lifecycle', () => {
  beforeAll(() => buildService(), 120_000);

  describe('configuration errors', () => {
    it.each([
      [{ PORT: 'abc' }, 'PORT'],
      [{ RUN_MIGRATIONS: 'maybe' }, 'RUN_MIGRATIONS'],
      [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }, 'DATABASE_URL'],
      [
        { NODE_ENV: 'production', DATABASE_URL: 'postgres://localhost/app', JWT_SECRET: 'short' },
        'JWT_SECRET',
      ],
      [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
      [{ CORS_ORIGINS: 'not a url' }, 'CORS_ORIGINS'],
    ])('%j stops the process with one line naming %s', async (env, variable) => {
      const service = startService({ DATA_DIR: tempDir(), ...env });
      expect(await service.exited).toBe(1);
      const lines = service.stderr.join('').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(variable);
    });

    it('reports every bad variable at once, one line each, with what is wrong', async () => {
      const service = startService({
        DATA_DIR: tempDir(),
        NODE_ENV: 'production',
        JWT_SECRET: 'short',
        PORT: 'abc',
        TRUST_PROXY: 'maybe',
        CORS_ORIGINS: 'not a url',
      });
      expect(await service.exited).toBe(1);
      expect(service.stderr.join('').trim().split('\n')).toEqual([
        'Invalid environment variable PORT: PORT must be an integer number',
        expect.stringMatching(
          /^Invalid environment variable TRUST_PROXY: TRUST_PROXY must be true, false, a hop count/,
        ),
        expect.stringMatching(
          /^Invalid environment variable CORS_ORIGINS: CORS_ORIGINS must be comma-separated origins/,
        ),
        'Invalid environment variable DATABASE_URL: required in production',
        'Invalid environment variable JWT_SECRET: at least 32 bytes required in production',
      ]);
      expect(service.stdout.join('')).toBe('');
    });
  });

  describe('a port already in use', () => {
    it('stops the process with one line naming the port and PORT, no stack', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as AddressInfo;
      const dataDir = tempDir();
      try {
        const service = startService({
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          LOG_FORMAT: 'json',
          // Given, so that the generated-secret warning of a fresh DATA_DIR is not in stderr.
          JWT_SECRET: 'x'.repeat(32),
        });
        expect(await service.exited).toBe(1);
        expect(service.stderr.join('').trim().split('\n')).toEqual([
          `Port ${port} is already in use (PORT=${port}): stop the process using it, or set PORT to a free port`,
        ]);
        expect(service.stdout.join('')).not.toMatch(/EADDRINUSE|"level":50/);
        // It let go of the embedded database on the way out.
        expect(existsSync(join(dataDir, '.lock'))).toBe(false);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    }, 120_000);
  });

  describe('outside production', () => {
    it('does not drain after SIGTERM unless SHUTDOWN_DRAIN_MS is set, so a restart can take the port at once', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: tempDir(),
        LOG_FORMAT: 'json',
      };
      const service = startService(env);
      await eventually(async () => (await fetch(`${base}/ready`)).status === 200, 1200);
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      const shutdown = service.stdout
        .join('')
        .split('\n')
        .filter((line) => line.includes('SIGTERM received'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(shutdown).toEqual(['SIGTERM received: draining for 0 ms']);

      // The next process on the same port and data directory starts.
      const next = startService(env);
      try {
        await eventually(async () => (await fetch(`${base}/ready`)).status === 200, 1200);
      } finally {
        next.child.kill('SIGTERM');
        await next.exited;
      }
    }, 240_000);
  });

  describe('SIGTERM', () => {
    let database: ResolvedDatabase;
    let proxy: TcpProxy;

    beforeAll(async () => {
      // The child reaches the test's database through a proxy the test can hold, which keeps a
      // request in flight for as long as the test wants.
      database = await createTestDatabase();
      proxy = TcpProxy.forUrl(database.url);
      await proxy.start();
    });
    afterAll(async () => {
      await proxy.stop();
      await database.stop();
    });

    it('turns /ready 503 at once, serves through the drain, finishes a request in flight and exits 0', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const service = startService({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: tempDir(),
        DATABASE_URL: proxy.urlFor(database.url),
        // An in-memory PGlite behind the proxy serves one session at a time.
        DATABASE_POOL_MAX: database.embedded ? '1' : '4',
        SHUTDOWN_DRAIN_MS: '2000',
        LOG_LEVEL: 'warn',
      });
      try {
        await eventually(async () => (await fetch(`${base}/ready`)).status === 200).catch(
          (error: unknown) => {
            throw new Error(
              `service not ready: ${service.stderr.join('')} ${service.stdout.join('').slice(-2000)}`,
              { cause: error },
            );
          },
        );

        expect(await connectionHeaderOf(`${base}/health`)).toBe('keep-alive');
        service.child.kill('SIGTERM');
        await eventually(async () => (await fetch(`${base}/ready`)).status === 503, 20);
        expect((await fetch(`${base}/health`)).status).toBe(200);
        // Keep-alive clients are told to move away while the drain lasts.
        expect(await connectionHeaderOf(`${base}/health`)).toBe('close');

        // A sign-up that reaches the service during the drain and is then held at the database.
        proxy.pause();
        const signUp = fetch(`${base}/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            email: 'inflight@example.com',
            name: 'In Flight',
            password: 'password-123',
          }),
        });

        // After the drain the server stops accepting new connections...
        await eventually(async () => {
          await fetch(`${base}/health`, { headers: { connection: 'close' } });
          return false;
        }, 80).catch(() => undefined);
        await expect(
          fetch(`${base}/health`, { headers: { connection: 'close' } }),
        ).rejects.toThrow();

        // ...while the request in flight still completes once the database answers again.
        proxy.resume();
        expect((await signUp).status).toBe(201);
        expect(await service.exited).toBe(0);
        const rows = await rowsOf(
          database.url,
          "SELECT count(*) FROM users WHERE email = 'inflight@example.com'",
        );
        expect(rows).toBe(1);
      } finally {
        proxy.resume();
        service.child.kill('SIGKILL');
      }
    }, 60_000);
  });
});

/** The Connection header of a response to a keep-alive request. */
function connectionHeaderOf(url: string): Promise<string | undefined> {
  const agent = new Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        agent.destroy();
        resolve(response.headers.connection);
      });
    }).on('error', reject);
  });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lifecycle-'));
}

async function rowsOf(url: string, countQuery: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(countQuery);
    return Number(result.rows[0].count);
  } finally {
    await client.end();
  }
}
