import { randomBytes } from 'node:crypto';
import { createTestApp, type TestApp } from './test-app.js';
import { createTestDatabase } from './test-database.js';

export interface AppPair {
  a: TestApp;
  b: TestApp;
  /** Closes both instances (those not closed yet), then drops the database. */
  close(): Promise<void>;
}

/**
 * Two instances of the application as two replicas of the service: one fresh database, the Redis
 * at `redisUrl` under one key prefix, one JWT secret, and `env` on top. Each instance's close()
 * may be called early (a test may stop one) and again.
 */
export async function createAppPair(
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<AppPair> {
  const database = await createTestDatabase();
  const shared = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `shared-${randomBytes(6).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...env,
  };
  const a = closesOnce(await createTestApp(shared, database));
  const b = closesOnce(await createTestApp(shared, database));
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await database.stop();
    },
  };
}

function closesOnce(t: TestApp): TestApp {
  let closing: Promise<void> | undefined;
  return { ...t, close: () => (closing ??= t.close()) };
}
