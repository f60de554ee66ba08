import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { ResolvedDatabase } from '../../src/database/resolve-database.js';
import { buildService, eventually } from '../support/built-service.js';
import {
  checkHistory,
  History,
  type FinalPost,
  type Operation,
} from '../support/consistency-history.js';
import {
  startRedisServer,
  stopAllRedisServers,
  type PrivateRedis,
} from '../support/redis-server.js';
import { ServiceCluster, type ClusterInstance } from '../support/service-cluster.js';
import { createTestDatabase } from '../support/test-database.js';

/**
 * Black-box consistency of several instances (API.md: Caching, Idempotent creates, Tokens):
 * three service processes on one PostgreSQL (a fresh database on the machine's server) and one
 * private redis-server, over real sockets. Instance b reaches PostgreSQL and Redis through
 * fault-injecting proxies (latency, hold, a cut at an exact statement), c reaches PostgreSQL
 * through one. Concurrent clients read, write, delete and create (with Idempotency-Keys, retried
 * as a client retries) while faults are injected inside requests; every operation is recorded
 * with its start and end, and the checker (test/support/consistency-history.ts) asserts that no
 * read after a returned write is older, nothing deleted is served after its delete returned, no
 * acknowledged write is lost, and no key creates twice.
 */

// The engine suites may assume the machine's PostgreSQL (see docs/operations.md).
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const USERS = 4;
const POSTS_PER_USER = 2;
/** 150 ms each way: every statement of instance b takes a 300 ms round trip or more. */
const DATABASE_LATENCY_MS = 150;

interface Account {
  id: string;
  token: string;
}

interface OwnedPost {
  id: string;
  owner: Account;
}

/** A seeded generator (mulberry32), so that the clients' choices are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function call(
  instance: ClusterInstance,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${instance.base}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    // A hung request is a failed one for the client (and unacknowledged in the history).
    signal: AbortSignal.timeout(15_000),
  });
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('several instances under faults (black-box consistency)', () => {
  let database: ResolvedDatabase;
  let redis: PrivateRedis;
  let cluster: ServiceCluster;

  beforeAll(async () => {
    await buildService();
    database = await createTestDatabase();
    redis = await startRedisServer();
    cluster = await ServiceCluster.start({ databaseUrl: database.url, redisUrl: redis.url }, [
      { name: 'a' },
      { name: 'b', proxyDatabase: true, proxyRedis: true },
      { name: 'c', proxyDatabase: true },
    ]);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await stopAllRedisServers();
    await database?.stop();
  });

  /** b's count of cache misses for posts, from /metrics (which reads no database). */
  async function postMissesOn(instance: ClusterInstance): Promise<number> {
    const text = await (await call(instance, 'GET', '/metrics')).text();
    const line = text
      .split('\n')
      .find((row) => row.startsWith('cache_misses_total{resource="post"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async function untilPostMissesOn(instance: ClusterInstance, count: number): Promise<void> {
    await eventually(async () => (await postMissesOn(instance)) >= count);
  }

  it("a read on b that starts after a write on a returned never joins b's older load (defect 1)", async () => {
    const a = cluster.get('a');
    const b = cluster.get('b');
    const email = `single-flight-${randomUUID()}@example.com`;
    const password = 'password-123';
    const signUp = await call(a, 'POST', '/users', { body: { email, name: 'Flight', password } });
    const { id: userId } = ((await signUp.json()) as { data: { id: string } }).data;
    const login = await call(a, 'POST', '/auth/token', { body: { email, password } });
    const { access_token: token } = ((await login.json()) as { data: { access_token: string } })
      .data;
    const created = await call(a, 'POST', `/users/${userId}/posts`, {
      token,
      body: { title: 'before', body: 'b' },
    });
    const { id: postId } = ((await created.json()) as { data: { id: string } }).data;
    const patch = (title: string) =>
      call(a, 'PATCH', `/posts/${postId}`, { token, body: { title } });
    const read = (instance: ClusterInstance) =>
      call(instance, 'GET', `/posts/${postId}`, { token });
    // b knows the token's user (cached) and has read the post once.
    expect((await read(b)).status).toBe(200);
    expect((await patch('first write')).status).toBe(200);

    // b's database answers are held: b's next read misses, its load reads the row as it is now
    // and waits there for the answer.
    const misses = await postMissesOn(b);
    b.databaseProxy!.pause('replies');
    let older: Promise<Response>;
    let later: Promise<Response>;
    try {
      older = read(b);
      await untilPostMissesOn(b, misses + 1);
      // A write on a returns while that load is under way...
      const write = await patch('second write');
      expect(write.status).toBe(200);
      // ...and a read on b that starts now has missed too (it read the new generation).
      later = read(b);
      await untilPostMissesOn(b, misses + 2);
    } finally {
      b.databaseProxy!.resume();
    }
    expect(((await (await older).json()) as { data: { title: string } }).data.title).toBe(
      'first write',
    );
    const laterBody = (await (await later).json()) as { data: { title: string } };
    expect(laterBody.data.title).toBe('second write');
    // Nor is the older row cached under the new generation, for any instance to serve.
    for (const instance of [a, b]) {
      const response = await read(instance);
      expect(((await response.json()) as { data: { title: string } }).data.title).toBe(
        'second write',
      );
    }
  });

  it('no stale read, nothing served after its delete, no lost write, no key creating twice', async () => {
    const a = cluster.get('a');
    const b = cluster.get('b');
    const c = cluster.get('c');
    const random = seeded(14);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const live = (): ClusterInstance[] => cluster.live();
    const history = new History();
    const faults: string[] = [];

    // Users and their posts, through a.
    const accounts: Account[] = [];
    const posts: OwnedPost[] = [];
    for (let n = 0; n < USERS; n += 1) {
      const email = `consistency-${n}-${randomUUID()}@example.com`;
      const password = 'password-123';
      const signUp = await call(a, 'POST', '/users', {
        body: { email, name: `User ${n}`, password },
      });
      expect(signUp.status).toBe(201);
      const id = ((await signUp.json()) as { data: { id: string } }).data.id;
      const login = await call(a, 'POST', '/auth/token', { body: { email, password } });
      const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
      const account = { id, token };
      accounts.push(account);
      for (let p = 0; p < POSTS_PER_USER; p += 1) {
        const created = await call(a, 'POST', `/users/${id}/posts`, {
          token,
          body: { title: `post of ${n}`, body: 'v0' },
        });
        expect(created.status).toBe(201);
        posts.push({
          id: ((await created.json()) as { data: { id: string } }).data.id,
          owner: account,
        });
      }
    }
    // Warm every instance's cache with every post and user.
    for (const instance of cluster.instances) {
      for (const post of posts)
        await call(instance, 'GET', `/posts/${post.id}`, { token: post.owner.token });
    }

    let stopped = false;
    const deletedPosts = new Set<string>();
    const deletedUsers = new Set<string>();

    // One writer per post (its versions then rise with each acknowledged write), on a or c.
    const writer = async (post: OwnedPost, index: number): Promise<void> => {
      let n = 0;
      while (!stopped && !deletedPosts.has(post.id) && !deletedUsers.has(post.owner.id)) {
        n += 1;
        const instance = index % 2 === 0 || c.killed ? a : c;
        await history.record('write', instance.name, post.id, () =>
          call(instance, 'PATCH', `/posts/${post.id}`, {
            token: post.owner.token,
            body: { title: `post ${index} write ${n}` },
          }),
        );
        await sleep(40 + random() * 120);
      }
    };

    // Readers on a and c, each through every post in turn.
    const reader = async (home: ClusterInstance, offset: number): Promise<void> => {
      let n = offset;
      while (!stopped) {
        const post = posts[n % posts.length];
        n += 1;
        const instance = home.killed ? a : home;
        await history.record('read', instance.name, post.id, () =>
          call(instance, 'GET', `/posts/${post.id}`, { token: accounts[0].token }),
        );
      }
    };
    // Readers on b (the slow database link) keep to two posts that are written all the time,
    // at staggered moments: a read there often starts while another read's load is under way
    // and a write on a or c returns in between, the interleaving of defect 1.
    const hotPosts = posts.slice(2, 4);
    const slowLinkReader = async (): Promise<void> => {
      while (!stopped) {
        const post = pick(hotPosts);
        await history.record('read', b.name, post.id, () =>
          call(b, 'GET', `/posts/${post.id}`, { token: accounts[0].token }),
        );
        await sleep(random() * 60);
      }
    };

    // Token checks: is each user's token still honoured (until the user is deleted)?
    const tokenChecker = async (): Promise<void> => {
      while (!stopped) {
        const account = pick(accounts);
        const instance = pick(live());
        await history.record('me', instance.name, account.id, () =>
          call(instance, 'GET', '/auth/me', { token: account.token }),
        );
        await sleep(20);
      }
    };

    // An idempotent create, retried as a client retries: same key and body, on any instance,
    // until it gets an answer that is not "still running" or a failure.
    const createWithRetries = async (key: string, first: ClusterInstance): Promise<Operation> => {
      const author = accounts[Number.parseInt(key.slice(0, 2), 16) % (USERS - 1)];
      let instance = first;
      for (let attempt = 0; ; attempt += 1) {
        const operation = await history.record(
          'create',
          instance.name,
          key,
          () =>
            call(instance, 'POST', `/users/${author.id}/posts`, {
              token: author.token,
              headers: { 'idempotency-key': key },
              body: { title: `created ${key}`, body: 'once' },
            }),
          async (response, op) => {
            if (response.status !== 201) return;
            op.createdId = ((await response.json()) as { data: { id: string } }).data.id;
            op.replayed = response.headers.get('idempotent-replayed') === 'true';
          },
        );
        if (operation.status === 201 || attempt >= 40) return operation;
        await sleep(150);
        instance = pick(live());
      }
    };

    // The conductor's own creates must be the ones its faults catch: the creator steps aside.
    let creatorPaused = false;
    let creatorIdle: () => void = () => {};
    const pauseCreator = (): Promise<void> =>
      new Promise((resolve) => {
        creatorIdle = resolve;
        creatorPaused = true;
      });
    const creator = async (): Promise<void> => {
      while (!stopped) {
        if (creatorPaused) {
          creatorIdle();
          await sleep(50);
          continue;
        }
        const key = randomUUID();
        await createWithRetries(key, pick(live()));
        // Now and then the client did not see the answer and sends it again, elsewhere.
        if (random() < 0.3) await createWithRetries(key, pick(live()));
        await sleep(100 + random() * 200);
      }
    };

    const clients = [
      ...posts.map((post, index) => writer(post, index)),
      ...[a, c, a].map((home, index) => reader(home, index * 3)),
      ...[1, 2, 3, 4].map(() => slowLinkReader()),
      tokenChecker(),
      tokenChecker(),
      creator(),
    ];

    // The faults, one after another, while the clients run.
    const settled: Record<string, Operation> = {};
    const conductor = async (): Promise<void> => {
      // 1. A slow database link on b: b's loads take long while a and c write (defect 1).
      b.databaseProxy!.setLatency(DATABASE_LATENCY_MS);
      faults.push(`b→PostgreSQL latency ${DATABASE_LATENCY_MS} ms each way (whole run)`);
      await sleep(8_000);

      // 2. Redis frozen (SIGSTOP) while writes invalidate, then thawed.
      redis.pause();
      faults.push('redis-server paused (SIGSTOP) 1.5 s during writes');
      await sleep(1_500);
      redis.resume();
      await sleep(2_500);

      // 3. b's Redis link held, then released.
      b.redisProxy!.pause();
      faults.push('b→Redis link held 1.5 s');
      await sleep(1_500);
      b.redisProxy!.resume();
      await sleep(1_500);

      // 4. b's database link cut right after a create's COMMIT reached PostgreSQL.
      await pauseCreator();
      const cutAfterCommit = b.databaseProxy!.cutWhenClientSends('COMMIT', { forward: true });
      const cutKey = randomUUID();
      const cutCreate = createWithRetries(cutKey, b);
      await cutAfterCommit;
      faults.push('b→PostgreSQL cut right after a COMMIT (a create on b)');
      settled.afterCut = await cutCreate;
      await sleep(1_000);

      // 5. c killed (SIGKILL) while a create waits to store its response, after its commit.
      const held = c.databaseProxy!.holdWhenClientSends('SET response_status');
      const killKey = randomUUID();
      const killCreate = createWithRetries(killKey, c);
      await held;
      await c.kill();
      faults.push('c killed (SIGKILL) between a create’s commit and storing its response');
      settled.afterKill = await killCreate;
      creatorPaused = false;
      await sleep(1_500);

      // 6. Deletes: two posts, and a user (their token must stop working everywhere).
      for (const post of posts.slice(0, 2)) {
        const deletion = await history.record('delete', a.name, post.id, () =>
          call(a, 'DELETE', `/posts/${post.id}`, { token: post.owner.token }),
        );
        if (deletion.status === 204) deletedPosts.add(post.id);
      }
      const doomed = accounts[USERS - 1];
      const userDeletion = await history.record('delete-user', b.name, doomed.id, () =>
        call(b, 'DELETE', `/users/${doomed.id}`, { token: doomed.token }),
      );
      if (userDeletion.status === 204) deletedUsers.add(doomed.id);
      faults.push('deletes: 2 posts on a, 1 user on b');
      await sleep(2_500);
      stopped = true;
    };

    await Promise.all([conductor(), ...clients]);

    const finalRows = await query<{ public_id: string; version: number; deleted_at: Date | null }>(
      database.url,
      'SELECT public_id, version, deleted_at FROM posts',
    );
    const finalPosts = new Map<string, FinalPost>(
      finalRows.map((row) => [
        row.public_id,
        { version: row.version, deleted: row.deleted_at !== null },
      ]),
    );
    const created = await query<{ title: string; count: string }>(
      database.url,
      "SELECT title, count(*) FROM posts WHERE title LIKE 'created %' GROUP BY title",
    );
    const createdPerKey = new Map(
      created.map((row) => [row.title.slice('created '.length), Number(row.count)]),
    );

    const operations = history.operations;
    const violations = checkHistory(operations, finalPosts, createdPerKey);
    const summary = {
      operations: operations.length,
      ...history.summary(),
      replayedCreates: operations.filter((op) => op.kind === 'create' && op.replayed).length,
      faults,
    };
    // Written to the test output, for the report of what the history covered.
    process.stdout.write(`consistency history: ${JSON.stringify(summary)}\n`);

    expect(violations.slice(0, 20)).toEqual([]);
    // The history covered what it is meant to: every kind, every instance, every fault.
    expect(faults).toHaveLength(6);
    for (const kind of ['read', 'write', 'delete', 'create', 'me', 'delete-user']) {
      expect({ kind, seen: operations.some((op) => op.kind === kind) }).toEqual({
        kind,
        seen: true,
      });
    }
    expect(new Set(operations.map((op) => op.instance))).toEqual(new Set(['a', 'b', 'c']));
    // The two creates whose first attempt lost its answer were settled by a retry: a 201 that
    // replays the one post the first attempt created.
    for (const operation of [settled.afterCut, settled.afterKill]) {
      const attempts = operations.filter(
        (op) => op.kind === 'create' && op.target === operation.target,
      );
      expect({
        first: attempts[0].status === 0 || attempts[0].status >= 500,
        last: operation.status,
        replayed: operation.replayed,
        rows: createdPerKey.get(operation.target),
      }).toEqual({ first: true, last: 201, replayed: true, rows: 1 });
    }
  }, 180_000);
});
