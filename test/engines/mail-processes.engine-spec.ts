import { GENEROUS_LIMITS } from '../support/generous-limits.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { ResolvedDatabase } from '../../src/database/resolve-database.js';
import {
  buildService,
  eventually,
  startService,
  type RunningService,
} from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * The mail queue across real service processes on the machine's PostgreSQL: mail queued while
 * the SMTP server is down survives a SIGKILL of the instance that queued it, and two instances
 * started afterwards deliver every message exactly once.
 */
describe('mail queue across service processes', () => {
  let database: ResolvedDatabase;
  let sink: SmtpSink;
  const services: RunningService[] = [];
  const secret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
    await buildService();
    database = await createTestDatabase();
    sink = await SmtpSink.start();
  }, 180_000);
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await Promise.all(services.map((service) => service.exited));
    await sink?.down();
    await database?.stop();
  });

  async function start(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const service = startService({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'mail-engine-')),
      DATABASE_URL: database.url,
      JWT_SECRET: secret,
      LOG_LEVEL: 'warn',
      SMTP_URL: sink.url,
      MAIL_POLL_INTERVAL_MS: '100',
      ...GENEROUS_LIMITS,
      ...env,
    });
    services.push(service);
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${base}/ready`)).status === 200).catch(
      (error: unknown) => {
        throw new Error(`service not ready: ${service.stderr.join('')}`, { cause: error });
      },
    );
    return base;
  }

  async function signUp(base: string, email: string): Promise<void> {
    const response = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, name: 'Mail', password: 'correct horse battery' }),
    });
    expect(response.status).toBe(201);
  }

  async function rows<T>(sql: string): Promise<T[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('survives a SIGKILL with mail queued; two instances then send each message once', async () => {
    await sink.down();
    // One attempt, then a long wait: the kill below never lands mid-attempt.
    const first = await start({ MAIL_RETRY_MIN_MS: '4000', MAIL_RETRY_MAX_MS: '4000' });
    const queued = Array.from(
      { length: 5 },
      () => `queued-${randomUUID().slice(0, 8)}@example.com`,
    );
    for (const email of queued) await signUp(first, email);
    await eventually(async () => {
      const [row] = await rows<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM mail_outbox
          WHERE attempts >= 1 AND leased_until IS NULL AND finished_at IS NULL`,
      );
      return row.waiting === queued.length;
    });
    services[0].child.kill('SIGKILL');
    await services[0].exited;

    await sink.up();
    const restarted = Date.now();
    const [a, b] = await Promise.all([start({}), start({})]);
    const ready = Date.now();
    const more = Array.from({ length: 10 }, () => `more-${randomUUID().slice(0, 8)}@example.com`);
    await Promise.all(more.map((email, n) => signUp(n % 2 ? a : b, email)));
    for (const email of [...queued, ...more]) await sink.waitFor(email, 1, 30_000);
    const lastQueued = Math.max(...queued.map((email) => sink.to(email)[0].receivedAt));
    console.info(
      `mail queued before a SIGKILL: two new instances ready ${ready - restarted} ms after their start; ` +
        `the ${queued.length} queued mails delivered ${lastQueued - ready} ms after that`,
    );
    await eventually(async () => {
      const [row] = await rows<{ open: number }>(
        `SELECT count(*)::int AS open FROM mail_outbox WHERE finished_at IS NULL`,
      );
      return row.open === 0;
    });
    for (const email of [...queued, ...more]) expect(sink.to(email)).toHaveLength(1);
    const [{ sent }] = await rows<{ sent: number }>(
      `SELECT count(*)::int AS sent FROM mail_outbox WHERE outcome = 'sent'`,
    );
    expect(sent).toBe(queued.length + more.length);
  }, 180_000);
});
