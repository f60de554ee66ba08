import { randomUUID } from 'node:crypto';
import { signUpBody, signUpWithKey } from '../support/idempotency-requests.js';
import { startRedisServer, stopAllRedisServers } from '../support/redis-server.js';
import { createTestApp } from '../support/test-app.js';

/**
 * Idempotency-Key when Redis is gone (a private redis-server, killed, test/support/redis-server.ts):
 * a repeat still replays and creates nothing new. The rest: test/idempotency.e2e-spec.ts.
 */

afterAll(() => stopAllRedisServers());

describe('Idempotency-Key across instances and outages', () => {
  it('still replays, and creates nothing new, after Redis has stopped', async () => {
    const redis = await startRedisServer();
    const t = await createTestApp({ REDIS_URL: redis.url });
    try {
      const key = randomUUID();
      const email = `idem-${randomUUID()}@example.com`;
      const first = await signUpWithKey(t, key, signUpBody(email));
      expect(first.statusCode).toBe(201);
      await redis.kill();
      const repeat = await signUpWithKey(t, key, signUpBody(email));
      expect(repeat.statusCode).toBe(201);
      expect(repeat.headers['idempotent-replayed']).toBe('true');
      expect(repeat.json()).toEqual(first.json());
      expect(await t.count('users', 'email = $1', [email])).toBe(1);
    } finally {
      await t.close();
      await redis.stop();
    }
  });
});
