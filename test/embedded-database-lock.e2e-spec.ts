import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildService,
  eventually,
  type RunningService,
  startService,
} from './support/built-service.js';
import { freePort } from './support/free-port.js';

/**
 * The embedded database as a developer meets it: one directory, real processes. A second
 * process on the same DATA_DIR is refused before it opens the files; `npm run seed` reaches a
 * running service through its API; `npm run db:reset` is refused while the database is held.
 */
describe('one process per embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'embedded-lock-'));
  const env = { DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_FORMAT: 'json' };
  const user = { email: 'first@example.com', name: 'First', password: 'first-password' };
  let first: Service;
  const spawned: RunningService[] = [];

  beforeAll(async () => {
    await buildService();
    first = await startReady(env);
    expect((await first.post('/users', user)).status).toBe(201);
  }, 240_000);

  afterAll(async () => {
    for (const service of spawned) service.child.kill('SIGKILL');
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second service on the same DATA_DIR in one line naming the holder, exit 1', async () => {
    const second = startService({ ...env, PORT: String(await freePort()) });
    // Without the lock it would keep running: never leave it behind.
    spawned.push(second);
    expect(await second.exited).toBe(1);
    expect(lines(second.stderr)).toEqual([
      `${dataDir} is in use by process ${first.process.child.pid}; stop it first`,
    ]);
    expect(second.stdout.join('')).toBe('');
  }, 120_000);

  it('leaves the first service serving, with its data', async () => {
    expect((await fetch(`${first.base}/ready`)).status).toBe(200);
    const login = await first.post('/auth/token', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
  });

  it('seeds through the running service: the demo users can log in there, and a second seed skips them', async () => {
    const seed = startService(env, 'src/scripts/seed.js');
    expect(await seed.exited).toBe(0);
    const output = seed.stdout.join('');
    expect(output).toContain(`is held by the service at ${first.base}: seeding through its API`);
    expect(output).toContain('created: ada@example.com with 5 posts');
    expect(output).toContain('created: alan@example.com with 5 posts');

    const login = await first.post('/auth/token', {
      email: 'ada@example.com',
      password: 'demo-password',
    });
    expect(login.status).toBe(200);
    const { data: token } = (await login.json()) as { data: { access_token: string } };
    const posts = await fetch(`${first.base}/posts?per_page=100`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    const body = (await posts.json()) as { data: unknown[] };
    expect(body.data).toHaveLength(15);

    const again = startService(env, 'src/scripts/seed.js');
    expect(await again.exited).toBe(0);
    expect(again.stdout.join('')).toContain('exists:  ada@example.com');
  }, 180_000);

  it('refuses db:reset while the service holds the database, in one line', async () => {
    const reset = startService(env, 'src/scripts/reset.js');
    expect(await reset.exited).toBe(1);
    expect(lines(reset.stderr)).toEqual([
      `${dataDir} is in use by process ${first.process.child.pid}; stop it first`,
    ]);
    expect(
      (await first.post('/auth/token', { email: user.email, password: user.password })).status,
    ).toBe(200);
  }, 120_000);

  it('after a clean stop: the data survives a restart, the start line shows the demo login, and db:reset empties the database', async () => {
    await first.stop();
    const restarted = await startReady(env);
    try {
      expect(
        (await restarted.post('/auth/token', { email: user.email, password: user.password }))
          .status,
      ).toBe(200);
      const ready = restarted.stdoutLines().filter((line) => line.includes('Ready at'));
      expect(ready).toHaveLength(1);
      expect(ready[0]).toContain(`Swagger UI at ${restarted.base}/docs`);
      expect(ready[0]).toContain('demo login ada@example.com / demo-password');
    } finally {
      await restarted.stop();
    }

    const reset = startService(env, 'src/scripts/reset.js');
    expect(await reset.exited).toBe(0);
    first = await startReady(env);
    expect(
      (await first.post('/auth/token', { email: user.email, password: user.password })).status,
    ).toBe(401);
    expect(first.stdoutLines().find((line) => line.includes('Ready at'))).not.toContain(
      'demo login',
    );
  }, 300_000);

  it('takes over the lock of a holder killed with SIGKILL', async () => {
    await first.stop();
    const killed = await startReady(env);
    killed.process.child.kill('SIGKILL');
    await killed.process.exited;

    first = await startReady(env);
    expect((await fetch(`${first.base}/ready`)).status).toBe(200);
  }, 300_000);
});

interface Service {
  process: RunningService;
  base: string;
  post(path: string, body: unknown): Promise<Response>;
  stdoutLines(): string[];
  stop(): Promise<void>;
}

/** Starts the built service on a free port and waits until /ready answers 200. */
async function startReady(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startService({ ...env, PORT: String(port) });
  await eventually(async () => (await fetch(`${base}/ready`)).status === 200, 1200).catch(
    (error: unknown) => {
      child.child.kill('SIGKILL');
      throw new Error(`service not ready: ${child.stderr.join('')}`, { cause: error });
    },
  );
  let stopped = false;
  return {
    process: child,
    base,
    post: (path, body) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    stdoutLines: () => lines(child.stdout),
    async stop() {
      if (stopped) return;
      stopped = true;
      child.child.kill('SIGTERM');
      await child.exited;
    },
  };
}

function lines(chunks: string[]): string[] {
  return chunks.join('').trim().split('\n').filter(Boolean);
}
