import { GENEROUS_LIMITS } from '../support/generous-limits.js';
import type { ResolvedDatabase } from '../../src/database/resolve-database.js';
import { buildService } from '../support/built-service.js';
import { stopAllRedisServers } from '../support/redis-server.js';
import {
  clusterOk,
  type ClusterSetup,
  redisCommand,
  startCluster,
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

// The machine's PostgreSQL (a fresh database), unless the run names another.
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Ports of this suite: the 21530-21539 share of the Redis engine range, and 10000 above each the
 * node's cluster bus, all below the kernel's ephemeral ports (see test/support/fixed-port.ts).
 */
const NODES = [21530, 21531, 21532];
const AUTH_LIMIT = 6;
const PREFIX = 'cluster-engine';
const USERS = 12;
/** Every node requires it: the service authenticates with REDIS_PASSWORD. */
const PASSWORD = 'cluster-engine-secret';

/** Two service processes on a Redis Cluster of three masters that require a password. */
describe('Redis Cluster: three masters, two instances', () => {
  let cluster: ClusterSetup;
  let database: ResolvedDatabase;
  let a: Instance;
  let b: Instance;
  const users: { id: string; token: string }[] = [];

  beforeAll(async () => {
    [cluster, database] = await Promise.all([
      startCluster(NODES, PASSWORD),
      createTestDatabase(),
      buildService(),
    ]);
    const env = {
      DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: cluster.nodesSetting,
      REDIS_PASSWORD: PASSWORD,
      REDIS_KEY_PREFIX: PREFIX,
      ...GENEROUS_LIMITS,
      AUTH_RATE_LIMIT_MAX: String(AUTH_LIMIT),
    };
    a = await startInstance('a', env);
    b = await startInstance('b', env);
    // Several users, so that their cache entries spread over the slots of all three masters.
    for (let index = 0; index < USERS; index += 1) {
      const on = index % 2 ? b : a;
      users.push(
        await signUpOn(on, `cluster-${Date.now()}-${index}@example.com`, `203.0.113.${index}`),
      );
    }
  }, 110_000);

  afterAll(() =>
    teardown(
      () => Promise.all([stopInstance(a), stopInstance(b)]),
      () => cluster?.stop(),
      () => stopAllRedisServers(),
      () => database?.stop(),
    ),
  );

  const read = (instance: Instance, user: { id: string; token: string }) =>
    call(instance, 'GET', `/users/${user.id}`, { token: user.token, ip: '192.0.2.20' });

  it('reports the cluster in /ready', async () => {
    for (const instance of [a, b]) {
      expect(await redisReadiness(instance)).toEqual({
        status: 'up',
        connected: true,
        mode: 'cluster',
        role: 'master',
      });
    }
  });

  it('serves hits from the cluster to both instances, entries spread over every master', async () => {
    // Read as another user: a token check reads its owner through the cache as well.
    const xCache = async (instance: Instance, user: { id: string; token: string }) => {
      const other = users[(users.indexOf(user) + 1) % users.length];
      const reply = await read(instance, { id: user.id, token: other.token });
      return reply.headers.get('x-cache');
    };
    for (const user of users) {
      const renamed = await call(b, 'PATCH', `/users/${user.id}`, {
        token: user.token,
        body: { name: 'renamed' },
        ip: '192.0.2.20',
      });
      expect(renamed.status).toBe(200);
      expect(await xCache(a, user)).toBe('MISS');
      expect(await xCache(a, user)).toBe('HIT');
      // The entry lives in the cluster, not in the process: the other instance hits it too.
      expect(await xCache(b, user)).toBe('HIT');
    }
    // Entries, generations and the epoch are on every node, not piled on one slot.
    const keysPerNode = await Promise.all(
      NODES.map((port) => redisCommand(port, ['DBSIZE'], PASSWORD)),
    );
    for (const keys of keysPerNode) expect(Number(keys)).toBeGreaterThan(0);
    // An entry and its generation share a slot (the hash tag), so they sit on the same node.
    const user = users[0];
    const keysOfUser = await Promise.all(
      NODES.map(
        async (port) => (await redisCommand(port, ['KEYS', `*{user:${user.id}}*`], PASSWORD)) as [],
      ),
    );
    expect(keysOfUser.filter((keys) => keys.length > 0)).toEqual([
      expect.arrayContaining([
        expect.stringContaining('gen:'),
        expect.not.stringContaining('gen:'),
      ]),
    ]);
  });

  it('invalidates across instances: a write on one is read on the other at once', async () => {
    for (let round = 0; round < 3; round += 1) {
      for (const [index, user] of users.entries()) {
        const [writer, reader] = (index + round) % 2 ? [a, b] : [b, a];
        await read(reader, user); // a cached entry to invalidate
        const name = `round ${round} user ${index}`;
        const written = await call(writer, 'PATCH', `/users/${user.id}`, {
          token: user.token,
          body: { name },
          ip: '192.0.2.20',
        });
        expect(written.status).toBe(200);
        for (const instance of [reader, reader, writer]) {
          const reply = await read(instance, user);
          expect({ status: reply.status, name: reply.body.data?.name }).toEqual({
            status: 200,
            name,
          });
        }
        // The reader's second read was served from the cluster again.
        expect((await read(reader, user)).headers.get('x-cache')).toBe('HIT');
      }
    }
  });

  it('shares one rate-limit budget, the login limit included', async () => {
    expect(await loginsAllowed([a, b], '198.51.100.77', AUTH_LIMIT + 2)).toBe(AUTH_LIMIT);
    expect(await loginsAllowed([b, a], '198.51.100.78', AUTH_LIMIT + 2)).toBe(AUTH_LIMIT);
    const counters = await Promise.all(
      NODES.map((port) => redisCommand(port, ['KEYS', `${PREFIX}:rate-limit:*`], PASSWORD)),
    );
    expect(counters.flat()).toEqual(
      expect.arrayContaining([`${PREFIX}:rate-limit:auth:198.51.100.77`]),
    );
  });

  it('never met a cross-slot, MOVED or other Redis error', async () => {
    for (const instance of [a, b]) {
      expect(await metric(instance, 'cache_errors_total')).toBe(0);
      expect(await metric(instance, 'rate_limit_fail_open_total')).toBe(0);
      const logs = instance.service.stdout.join('') + instance.service.stderr.join('');
      expect(logs).not.toMatch(/CROSSSLOT|MOVED|ASK |SELECT is not allowed|cache read failed/);
    }
  });

  it('fails open while a node is down, counts and logs it, and serves hits again after', async () => {
    const errorsBefore = await metric(a, 'cache_errors_total');
    const [, down] = cluster.nodes;
    await down.kill();
    // Every request still answers, from the database, with the latest write.
    for (const [index, user] of users.entries()) {
      const name = `while a node is down ${index}`;
      const written = await call(b, 'PATCH', `/users/${user.id}`, {
        token: user.token,
        body: { name },
        ip: '192.0.2.20',
      });
      expect(written.status).toBe(200);
      const reply = await read(a, user);
      expect({ status: reply.status, name: reply.body.data?.name }).toEqual({ status: 200, name });
    }
    expect(await metric(a, 'cache_errors_total')).toBeGreaterThan(errorsBefore);
    expect(a.service.stdout.join('')).toMatch(/cache read failed, using the database/);
    // The node rejoins (empty: it keeps nothing on disk) and the cache works again.
    await down.start();
    await clusterOk(NODES, PASSWORD);
    const user = users[0];
    await until('hits again', async () => {
      await read(a, user);
      return (await read(a, user)).headers.get('x-cache') === 'HIT';
    });
    const renamed = await call(b, 'PATCH', `/users/${user.id}`, {
      token: user.token,
      body: { name: 'after the node came back' },
      ip: '192.0.2.20',
    });
    expect(renamed.status).toBe(200);
    expect((await read(a, user)).body.data?.name).toBe('after the node came back');
  }, 60_000);
});
