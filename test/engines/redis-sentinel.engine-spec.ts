import { GENEROUS_LIMITS } from '../support/generous-limits.js';
import { buildService } from '../support/built-service.js';
import { stopAllRedisServers } from '../support/redis-server.js';
import {
  redisCommand,
  SENTINEL_BOUNDS,
  type SentinelSetup,
  startSentinelSetup,
  until,
} from '../support/redis-topology.js';
import {
  call,
  type Instance,
  loginsAllowed,
  metric,
  redisReadiness,
  signUpOn,
  startInstance,
  stopInstance,
} from '../support/service-instances.js';
import { teardown } from '../support/teardown.js';
import { createTestDatabase } from '../support/test-database.js';
import type { ResolvedDatabase } from '../../src/database/resolve-database.js';

// The machine's PostgreSQL (a fresh database), unless the run names another.
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Ports of this suite: the 21500-21519 share of the Redis engine range, below the kernel's
 * ephemeral ports (see test/support/fixed-port.ts).
 */
const [MASTER, REPLICA] = [21500, 21501];
const SENTINELS = [21510, 21511, 21512];
const AUTH_LIMIT = 6;
/**
 * After a failover, until both instances serve hits again and a quiet stretch of traffic: the
 * epoch is renewed once the distrust window (1.5 s) has passed.
 */
const HEALED_MS = 40_000;
/** The data servers and the Sentinels require these: REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD. */
const PASSWORDS = { servers: 'sentinel-engine-servers', sentinels: 'sentinel-engine-sentinels' };

/**
 * Two service processes on a master, a replica and three Sentinels. Failovers (SENTINEL FAILOVER,
 * then killing the master and bringing it back with its old data) happen while the instances
 * write on one and read on the other: no read ever shows a value older than the write before it.
 */
describe('Redis Sentinel: failovers during traffic', () => {
  let setup: SentinelSetup;
  let database: ResolvedDatabase;
  let a: Instance;
  let b: Instance;
  let user: { id: string; token: string };
  let version = 0;
  let ipCounter = 0;
  const freshIp = () => `198.51.100.${(ipCounter += 1)}`;

  beforeAll(async () => {
    const built = buildService();
    [setup, database] = await Promise.all([
      startSentinelSetup([MASTER, REPLICA, ...SENTINELS], PASSWORDS),
      createTestDatabase(),
      built,
    ]);
    const env = {
      DATABASE_URL: database.url,
      REDIS_SENTINELS: setup.sentinelsSetting,
      REDIS_SENTINEL_MASTER: setup.masterName,
      REDIS_PASSWORD: PASSWORDS.servers,
      REDIS_SENTINEL_PASSWORD: PASSWORDS.sentinels,
      REDIS_KEY_PREFIX: 'sentinel-engine',
      ...GENEROUS_LIMITS,
      AUTH_RATE_LIMIT_MAX: String(AUTH_LIMIT),
    };
    a = await startInstance('a', env);
    b = await startInstance('b', env);
    user = await signUpOn(a, `sentinel-${Date.now()}@example.com`, freshIp());
  }, 110_000);

  afterAll(() =>
    teardown(
      () => Promise.all([stopInstance(a), stopInstance(b)]),
      () => setup?.stop(),
      () => stopAllRedisServers(),
      () => database?.stop(),
    ),
  );

  /**
   * Writes a new name on `writer`, then reads it on `reader` twice and on `writer` once; every
   * read must show that name. The X-Cache of the reader's second read (HIT once the cache works).
   */
  async function writeThenRead(writer: Instance, reader: Instance): Promise<string | null> {
    version += 1;
    const name = `v${version}`;
    const ip = '192.0.2.10';
    const written = await call(writer, 'PATCH', `/users/${user.id}`, {
      token: user.token,
      body: { name },
      ip,
    });
    expect(written.status).toBe(200);
    let second: string | null = null;
    for (const [instance, index] of [
      [reader, 0],
      [reader, 1],
      [writer, 2],
    ] as const) {
      const read = await call(instance, 'GET', `/users/${user.id}`, { token: user.token, ip });
      expect({ status: read.status, name: read.body.data?.name }).toEqual({ status: 200, name });
      if (index === 1) second = read.headers.get('x-cache');
    }
    return second;
  }

  /**
   * Traffic (alternating writer and reader; a stale read fails the test at once) until `done`
   * holds (an error in `done` counts as not yet), at least one round; fails after `withinMs`,
   * with the state of the servers and Sentinels and their logs. A pause between rounds leaves
   * the engines the machine's CPU: the traffic is there to meet the failover, not to load it.
   */
  async function trafficUntil(
    what: string,
    done: () => Promise<boolean>,
    withinMs: number,
  ): Promise<number> {
    const started = Date.now();
    let rounds = 0;
    for (;;) {
      await writeThenRead(rounds % 2 === 0 ? a : b, rounds % 2 === 0 ? b : a);
      rounds += 1;
      if (await done().catch(() => false)) return rounds;
      if (Date.now() - started > withinMs) {
        throw new Error(
          `${what}: not within ${withinMs} ms (${rounds} rounds of traffic)\n${await setup.report()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** until(), failing with the state of the servers and Sentinels and their logs. */
  async function settles(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
    try {
      await until(what, check, ms);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await setup.report()}`, { cause: error });
    }
  }

  async function bothFollow(port: number): Promise<boolean> {
    const reports = await Promise.all([redisReadiness(a), redisReadiness(b)]);
    return reports.every(
      (report) =>
        report.connected === true &&
        report.role === 'master' &&
        report.address === `127.0.0.1:${port}`,
    );
  }

  /** After a failover: a quiet stretch with the cache fully working and no Redis errors. */
  async function expectHealthy(): Promise<void> {
    // Hits come back once each instance has renewed the cache epoch on the new master.
    let hits = { onA: '', onB: '' };
    await trafficUntil(
      'hits on both instances',
      async () => {
        hits = { onB: String(await writeThenRead(a, b)), onA: String(await writeThenRead(b, a)) };
        return hits.onA === 'HIT' && hits.onB === 'HIT';
      },
      HEALED_MS,
    );
    const failures = () =>
      Promise.all(
        [a, b].map(async (i) => ({
          cacheErrors: await metric(i, 'cache_errors_total'),
          failedOpen: await metric(i, 'rate_limit_fail_open_total'),
        })),
      );
    const before = await failures();
    const logged = [a, b].map((i) => i.service.stdout.length);
    for (let round = 0; round < 6; round += 1) {
      expect(await writeThenRead(round % 2 ? a : b, round % 2 ? b : a)).toBe('HIT');
    }
    // Nothing failed any more: no READONLY (or other error) left behind by the failover. Which
    // error it was is in the instances' warnings (pino level 40 and above) of this stretch.
    const after = await failures();
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      const warnings = [a, b].map((i, index) =>
        i.service.stdout
          .slice(logged[index])
          .join('')
          .split('\n')
          .filter((line) => /"level":[4-6]0\b/.test(line))
          .map((line) => `${i.name}: ${line}`),
      );
      throw new Error(
        `Redis failures in a quiet stretch after the failover: ${JSON.stringify(before)} -> ` +
          `${JSON.stringify(after)} (a, b); warnings:\n${warnings.flat().join('\n')}`,
      );
    }
    // Rate limiting counts in Redis again, one budget across both instances.
    expect(await loginsAllowed([a, b], freshIp(), AUTH_LIMIT + 2)).toBe(AUTH_LIMIT);
  }

  it('serves through the first master: hits, shared limits, /ready names the master', async () => {
    expect(await redisReadiness(a)).toEqual({
      status: 'up',
      connected: true,
      mode: 'sentinel',
      role: 'master',
      address: `127.0.0.1:${MASTER}`,
    });
    await expectHealthy();
  }, 60_000);

  /** ROLE of `port` says: a replica of `master`, linked to it (so Sentinel may promote it). */
  async function linkedReplica(port: number, master: number): Promise<boolean> {
    const role = (await redisCommand(port, ['ROLE'], PASSWORDS.servers)) as unknown[];
    return role[0] === 'slave' && Number(role[2]) === master && role[3] === 'connected';
  }

  it(
    'follows SENTINEL FAILOVER without a stale read',
    async () => {
      await settles(
        'the replica is linked',
        () => linkedReplica(REPLICA, MASTER),
        SENTINEL_BOUNDS.resyncMs,
      );
      // Sentinel answers OK at once and fails over in the next second or two, under the traffic.
      await expect(
        redisCommand(SENTINELS[0], ['SENTINEL', 'FAILOVER', setup.masterName], PASSWORDS.sentinels),
      ).resolves.toBe('OK');
      const rounds = await trafficUntil(
        'both instances follow the promoted replica',
        async () => (await setup.masterPort()) === REPLICA && (await bothFollow(REPLICA)),
        SENTINEL_BOUNDS.failoverMs,
      );
      // The traffic spanned the failover: the switch was not complete after the first round.
      expect(rounds).toBeGreaterThan(1);
      // The old master, still running and reporting master, is demoted by Sentinel (REPLICAOF),
      // then resyncs from the new one.
      await settles(
        'the old master is a linked replica',
        () => linkedReplica(MASTER, REPLICA),
        SENTINEL_BOUNDS.demotionMs,
      );
      await writeThenRead(a, b);
      await expectHealthy();
      expect(await redisReadiness(b)).toMatchObject({
        role: 'master',
        address: `127.0.0.1:${REPLICA}`,
      });
    },
    SENTINEL_BOUNDS.resyncMs + SENTINEL_BOUNDS.failoverMs + SENTINEL_BOUNDS.demotionMs + HEALED_MS,
  );

  it(
    'follows when the master dies, and distrusts it when it comes back with old data',
    async () => {
      const [, promoted] = setup.servers;
      await promoted.kill();
      // Sentinel notices (down-after 1 s), elects a leader and promotes the other server.
      const rounds = await trafficUntil(
        'both instances follow the surviving server',
        async () => (await setup.masterPort()) === MASTER && (await bothFollow(MASTER)),
        SENTINEL_BOUNDS.failoverMs,
      );
      expect(rounds).toBeGreaterThan(1);
      // The killed master restarts with its append-only file (the old data). Its command line
      // makes it a replica of the surviving server (Sentinel's REPLICAOF NO ONE was never written
      // to a config file), so it serves nobody until its full resync replaced that data.
      await promoted.start();
      await trafficUntil(
        'the restarted server is a linked replica',
        () => linkedReplica(REPLICA, MASTER),
        SENTINEL_BOUNDS.resyncMs,
      );
      await expectHealthy();
      expect(await redisReadiness(a)).toMatchObject({
        role: 'master',
        address: `127.0.0.1:${MASTER}`,
      });
    },
    SENTINEL_BOUNDS.failoverMs + SENTINEL_BOUNDS.resyncMs + HEALED_MS + 30_000,
  );
});
