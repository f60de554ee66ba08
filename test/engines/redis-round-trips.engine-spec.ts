import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { createClient } from '@keyv/redis';
import { bearer, createPost, signUp } from '../support/fixtures.js';
import { type PrivateRedis, startRedisServer } from '../support/redis-server.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * docs/benchmarks.md, target 2: an authenticated cached GET /users/:id sends every Redis command
 * it needs (rate-limit count, the caller's entry and generation, the caller's session, the
 * resource's entry and generation, the epoch) in one round trip; an owner-checked write reads the
 * owner in that round trip too. An engine suite: it counts the round trips to a redis-server of
 * its own, and flushes that server's scripts.
 */

/**
 * A TCP proxy in front of a private redis-server that counts round trips: a burst of bytes from
 * the service after Redis has answered (or the first since reset) starts a new one. Commands
 * written together, before any reply, are one round trip however TCP splits them.
 */
class RoundTripCounter {
  private server?: Server;
  /** Connections whose last bytes came from the service: Redis has not answered them yet. */
  private readonly awaitingReply = new Set<Socket>();
  roundTrips = 0;
  /** What the service wrote to Redis since reset(). */
  sent = '';

  async start(redisPort: number): Promise<string> {
    this.server = createServer((client: Socket) => {
      const upstream = createConnection({ host: '127.0.0.1', port: redisPort });
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.on('data', (chunk) => {
        if (!this.awaitingReply.has(client)) this.roundTrips += 1;
        this.awaitingReply.add(client);
        this.sent += chunk.toString('latin1');
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        this.awaitingReply.delete(client);
        client.write(chunk);
      });
      const close = () => {
        this.awaitingReply.delete(client);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no proxy address');
    return `redis://127.0.0.1:${address.port}`;
  }

  reset(): void {
    this.roundTrips = 0;
    this.sent = '';
    this.awaitingReply.clear();
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('Redis round trips of a cached read', () => {
  let redis: PrivateRedis;
  let counter: RoundTripCounter;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    counter = new RoundTripCounter();
    t = await createTestApp({ REDIS_URL: await counter.start(redis.port) });
  });

  afterAll(async () => {
    await t?.close();
    await counter?.stop();
    await redis?.stop();
  });

  async function readOnce(
    url: string,
    token: string,
  ): Promise<{ trips: number; cache: string; remaining: number }> {
    const { trips, response } = await countTrips({ method: 'GET', url, headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    return {
      trips,
      cache: String(response.headers['x-cache']),
      remaining: Number(response.headers['x-ratelimit-remaining']),
    };
  }

  /** The Redis round trips of one request, with earlier requests' background traffic settled. */
  async function countTrips(
    request: Parameters<TestApp['request']>[0],
  ): Promise<{ trips: number; response: Awaited<ReturnType<TestApp['request']>> }> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    counter.reset();
    const response = await t.request(request);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { trips: counter.roundTrips, response };
  }

  it.each([
    ['another user', false],
    ['oneself', true],
  ])('reading %s: one round trip on a hit', async (_label, self) => {
    const reader = await signUp(t);
    const url = `/users/${self ? reader.id : (await signUp(t)).id}`;
    await readOnce(url, reader.token); // fills the entries
    expect(await readOnce(url, reader.token)).toMatchObject({ trips: 1, cache: 'HIT' });
  });

  it("checks a cached post's owner in the first round trip of a write", async () => {
    const author = await signUp(t);
    const post = await createPost(t, author);
    const url = `/posts/${post.id}`;
    await readOnce(url, author.token); // fills the entry
    const write = await countTrips({
      method: 'PATCH',
      url,
      headers: bearer(author.token),
      payload: { title: 'Owner read in the first round trip' },
    });
    expect(write.response.statusCode).toBe(200);
    // The count, the caller and the post with the epoch; then the invalidation after the commit.
    expect(write.trips).toBe(2);
  });

  it('sends the rate-limit script by its SHA1, not its body', async () => {
    const reader = await signUp(t);
    const url = `/users/${reader.id}`;
    await readOnce(url, reader.token);
    await readOnce(url, reader.token);
    expect(counter.sent).toContain('EVALSHA');
    expect(counter.sent).not.toContain('redis.call');
  });

  it('after SCRIPT FLUSH, still counts the request in Redis, then one round trip again', async () => {
    const reader = await signUp(t);
    const url = `/users/${reader.id}`;
    await readOnce(url, reader.token);
    const before = await readOnce(url, reader.token);
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.sendCommand(['SCRIPT', 'FLUSH']);
    } finally {
      admin.destroy();
    }
    const flushed = await readOnce(url, reader.token);
    // Counted once (not failed open, which would leave the whole budget): the script was sent
    // again (EVAL) after the server answered NOSCRIPT.
    expect(flushed.remaining).toBe(before.remaining - 1);
    expect(flushed.cache).toBe('HIT');
    expect(counter.sent).toContain('redis.call');
    const after = await readOnce(url, reader.token);
    expect(after).toMatchObject({ trips: 1, cache: 'HIT', remaining: before.remaining - 2 });
  });
});
