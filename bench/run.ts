/**
 * The benchmark suite: `npm run bench` (builds the service and bench/, then runs this).
 *
 * It creates its own PostgreSQL database and Redis key prefix, seeds them with SQL (1,000,000
 * posts by generate_series, not through the API), starts the production build of the service
 * (several instances that differ by one setting: logging, tracing, count threshold) and the
 * baseline (bench/baseline.ts, a bare Fastify server doing the same work by hand), pinned to one
 * core, and loads them with wrk pinned to the other core. Each scenario warms every target up,
 * then alternates them over several rounds (forward, then backward, …) and reports medians, so
 * that drift in the machine's speed hits service and baseline alike. It prints figures and a
 * ratio table against the targets of the benchmark issue; it asserts nothing and its exit code
 * does not depend on the figures. Everything it created is removed at the end.
 *
 *   npm run bench
 *   BENCH_DURATION=8 BENCH_ROUNDS=5 npm run bench
 *   BENCH_ONLY=health,users npm run bench               (scenarios: health users posts lists login memory)
 *   npm run bench:profile -- users-cached               (CPU profile of one scenario, see profile())
 *
 * Settings (environment): BENCH_DURATION (s per measurement, 5), BENCH_WARMUP (s, 2),
 * BENCH_ROUNDS (3), BENCH_MEMORY_SECONDS (60), BENCH_POSTS (1000000), BENCH_USERS (250000),
 * BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres: a role that may CREATE DATABASE),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379/9), BENCH_PROFILE_SECONDS (15), BENCH_KEEP_LOGS (1: keep
 * the temporary folder with the servers' logs), BENCH_TRIAL_MAIN (another build's dist/src/main.js,
 * measured alongside the service in the health and users scenarios).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@keyv/redis';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { freePort } from '../test/support/free-port.js';
import { ARGON2_OPTIONS, CursorCodec, median, positiveNumber } from './common.js';

// ---------------------------------------------------------------------------------------------
// Settings

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '..', '..');
const SERVICE_MAIN = join(ROOT, 'dist', 'src', 'main.js');
const BASELINE_MAIN = join(HERE, 'baseline.js');
const NEST_FLOOR_MAIN = join(HERE, 'nest-floor.js');
/** How long the service reuses a planner estimate (ESTIMATE_REUSE_MS in pagination.service.ts). */
const ESTIMATE_REUSE_SECONDS = 1;
const ARGON2_RATE_MAIN = join(HERE, 'argon2-rate.js');
const RESULTS_FILE = join(HERE, 'last-run.json');

const env = process.env;
const DURATION = Math.round(positiveNumber(env.BENCH_DURATION, 5));
const WARMUP = Math.round(positiveNumber(env.BENCH_WARMUP, 2));
const ROUNDS = Math.round(positiveNumber(env.BENCH_ROUNDS, 3));
const MEMORY_SECONDS = Math.round(positiveNumber(env.BENCH_MEMORY_SECONDS, 60));
const MEMORY_WARMUP = 10;
const POSTS = Math.round(positiveNumber(env.BENCH_POSTS, 1_000_000));
const USERS = Math.round(positiveNumber(env.BENCH_USERS, 250_000));
const PROFILE_SECONDS = Math.round(positiveNumber(env.BENCH_PROFILE_SECONDS, 15));
const PG_ADMIN_URL = env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const KEEP_LOGS = env.BENCH_KEEP_LOGS === '1';
/** A second build of the service (e.g. a trial fix in a copy of the tree), measured alongside. */
const TRIAL_MAIN = env.BENCH_TRIAL_MAIN ? resolve(env.BENCH_TRIAL_MAIN) : undefined;
/** Extra environment of the trial instance, `NAME=value,NAME=value`. */
const TRIAL_ENV = Object.fromEntries(
  (env.BENCH_TRIAL_ENV ?? '')
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [
      pair.slice(0, pair.indexOf('=')).trim(),
      pair.slice(pair.indexOf('=') + 1).trim(),
    ]),
) as Record<string, string>;
const SCENARIOS = ['health', 'users', 'posts', 'lists', 'login', 'memory'] as const;
const ONLY = new Set(
  (env.BENCH_ONLY ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** Connections per scenario: enough to keep one core busy, the same for service and baseline. */
const CONNECTIONS = { read: 32, posts: 16, login: 4, exactCount: 4 };
const DEEP_PAGE_DEPTH = 999_000;
/** Target 1's deep pages: the cursor at this depth (or the list's last full page), offset at MAX_PAGE. */
const LIST_DEEP_DEPTH = 1_000_000;
const LIST_MAX_PAGE = 10_000;
/** Some of the lists scenario's pages only (first, offset-deep, cursor, cursor-deep): BENCH_LIST_PAGES. */
const LIST_PAGES = env.BENCH_LIST_PAGES ? new Set(env.BENCH_LIST_PAGES.split(',')) : undefined;
const UNLIMITED = '1000000000';
const JWT_SECRET = randomBytes(32).toString('hex'); // 64 bytes of text: >= 32 as production needs
const LOGIN_EMAIL = 'bench-login@bench.example';
const LOGIN_PASSWORD = randomBytes(12).toString('hex');
const RUN_ID = `${Date.now()}_${randomBytes(3).toString('hex')}`;
const DATABASE = `bench_${RUN_ID}`;
const KEY_PREFIX = `bench-${RUN_ID.replace('_', '-')}`;

// Cores: servers on the last core, load generator (and this process) on the first.
const CORE_COUNT = cpus().length;
const HAS_TASKSET = spawnSync('taskset', ['--version']).status === 0;
const PINNED = CORE_COUNT >= 2 && HAS_TASKSET;
const SERVER_CPU = String(CORE_COUNT - 1);
const LOAD_CPU = '0';

const startedAt = Date.now();
const startLoad = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
function log(message: string): void {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  console.log(`[${seconds}s] ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  name: string;
  port: number;
  child: ChildProcess;
  pid: number;
  logFile: string;
  exited: boolean;
}

const procs: Proc[] = [];
let workDir = '';

function pinned(cpu: string, command: string, args: string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}

function startProc(
  name: string,
  port: number,
  script: string,
  extraEnv: Record<string, string>,
  nodeArgs: string[] = [],
): Proc {
  const logFile = join(workDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const [command, args] = pinned(SERVER_CPU, process.execPath, [...nodeArgs, script]);
  const child = spawn(command, args, {
    cwd: ROOT,
    // A clean environment: nothing from the caller's shell changes the service's settings.
    env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '', LANG: env.LANG ?? 'C.UTF-8', ...extraEnv },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const proc: Proc = { name, port, child, pid: child.pid ?? -1, logFile, exited: false };
  child.on('exit', () => {
    proc.exited = true;
  });
  procs.push(proc);
  return proc;
}

function serviceEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl(),
    REDIS_URL,
    REDIS_KEY_PREFIX: KEY_PREFIX,
    JWT_SECRET,
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    RATE_LIMIT_MAX: UNLIMITED,
    AUTH_RATE_LIMIT_MAX: UNLIMITED,
    LOG_LEVEL: 'info',
    RUN_MIGRATIONS: 'false',
    SHUTDOWN_DRAIN_MS: '0',
    ...extra,
  };
}

function baselineEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    DATABASE_URL: databaseUrl(),
    REDIS_URL,
    BASELINE_KEY_PREFIX: `${KEY_PREFIX}-baseline`,
    JWT_SECRET,
    ...extra,
  };
}

async function waitReady(proc: Proc, path: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited) throw new Error(`${proc.name} exited at start; see ${proc.logFile}`);
    try {
      const response = await fetch(`http://127.0.0.1:${proc.port}${path}`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${proc.name} not ready after ${timeoutMs} ms; see ${proc.logFile}`);
}

async function stopProc(proc: Proc, timeoutMs = 15_000): Promise<void> {
  if (proc.exited) return;
  const exited = new Promise<void>((resolveExit) => proc.child.once('exit', () => resolveExit()));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

// ---------------------------------------------------------------------------------------------
// Load generation: wrk (C, one thread) on the load core

interface Measurement {
  rps: number;
  requests: number;
  seconds: number;
  p50: number; // ms
  p90: number;
  p99: number;
  errors: number; // socket errors, timeouts and non-2xx/3xx answers
}

interface Load {
  port: number;
  path: string;
  connections: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Paths are `${path}${id}` with the next id of the feed for every request. */
  ids?: IdFeed;
}

/** Ids handed out once each (for reads that must miss the cache), in slices per measurement. */
class IdFeed {
  private next = 0;
  wrapped = false;

  constructor(
    readonly name: string,
    private readonly ids: string[],
  ) {}

  slice(count: number): string[] {
    if (this.next + count > this.ids.length) {
      if (this.next + 1000 > this.ids.length) {
        this.wrapped = true;
        this.next = 0;
      }
    }
    return this.ids.slice(this.next, Math.min(this.ids.length, this.next + count));
  }

  consumed(count: number): void {
    this.next += count;
  }
}

function luaString(value: string): string {
  return `[==[${value}]==]`;
}

function wrkScript(load: Load): string {
  const headers = { Host: `127.0.0.1:${load.port}`, ...(load.headers ?? {}) };
  const lines = [`wrk.method = ${luaString(load.method ?? 'GET')}`];
  for (const [name, value] of Object.entries(headers)) {
    lines.push(`wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`);
  }
  if (load.body !== undefined) lines.push(`wrk.body = ${luaString(load.body)}`);
  if (load.ids) {
    lines.push(
      'local ids = {}',
      'local i = 0',
      `local prefix = ${luaString(load.path)}`,
      'init = function(args) for line in io.lines(args[1]) do ids[#ids + 1] = line end end',
      'request = function()',
      '  i = i + 1',
      '  if i > #ids then i = 1 end',
      '  return wrk.format(nil, prefix .. ids[i])',
      'end',
    );
  }
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"status":%d,' +
      '"p50":%.0f,"p90":%.0f,"p99":%.0f}\\n\', summary.requests, summary.duration,' +
      ' e.connect + e.read + e.write + e.timeout + e.status, e.status,' +
      ' latency:percentile(50), latency:percentile(90), latency:percentile(99)))',
    'end',
  );
  return lines.join('\n') + '\n';
}

let scriptCounter = 0;

async function runWrk(load: Load, seconds: number): Promise<Measurement> {
  scriptCounter += 1;
  const script = join(workDir, `load-${scriptCounter}.lua`);
  writeFileSync(script, wrkScript(load));
  const wrkArgs = [
    '-t1',
    `-c${load.connections}`,
    `-d${seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    `http://127.0.0.1:${load.port}${load.ids ? '/' : load.path}`,
  ];
  let ids: string[] = [];
  if (load.ids) {
    // Generous: far more than one core answers in `seconds`; the unused rest is handed out again.
    ids = load.ids.slice(Math.max(20_000, seconds * 12_000));
    const idsFile = join(workDir, `ids-${scriptCounter}.txt`);
    writeFileSync(idsFile, ids.join('\n') + '\n');
    wrkArgs.push('--', idsFile);
  }
  const [command, args] = pinned(LOAD_CPU, 'wrk', wrkArgs);
  const output = await new Promise<string>((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolveRun(text));
  });
  const line = output.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk gave no result:\n${output}`);
  const raw = JSON.parse(line.slice('WRKJSON '.length)) as {
    requests: number;
    duration_us: number;
    errors: number;
    status: number;
    p50: number;
    p90: number;
    p99: number;
  };
  if (load.ids) load.ids.consumed(Math.min(ids.length, raw.requests + load.connections));
  const secondsRun = raw.duration_us / 1e6;
  return {
    rps: raw.requests / secondsRun,
    requests: raw.requests,
    seconds: secondsRun,
    p50: raw.p50 / 1000,
    p90: raw.p90 / 1000,
    p99: raw.p99 / 1000,
    errors: raw.errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Targets, rounds

interface Target {
  name: string;
  label: string;
  connections: number;
  measure(seconds: number): Promise<Measurement>;
  /** Extra figures per measurement (e.g. cache misses per request), filled by measure(). */
  notes?: string[];
}

function wrkTarget(name: string, label: string, load: Load, proc?: Proc): Target {
  const target: Target = {
    name,
    label,
    connections: load.connections,
    notes: [],
    async measure(seconds) {
      if (proc?.exited) throw new Error(`${proc.name} has exited; see ${proc.logFile}`);
      const service = proc && !proc.name.startsWith('baseline');
      const before = service ? await cacheCounters(proc.port) : undefined;
      const result = await runWrk(load, seconds);
      if (service && before) {
        const after = await cacheCounters(proc.port);
        const misses = (after.misses - before.misses) / Math.max(1, result.requests);
        const hits = (after.hits - before.hits) / Math.max(1, result.requests);
        target.notes?.push(
          `cache per request: ${hits.toFixed(2)} hits, ${misses.toFixed(2)} misses`,
        );
      }
      return result;
    },
  };
  return target;
}

type Results = Map<string, Measurement[]>;

async function alternate(title: string, targets: Target[]): Promise<Results> {
  log(`${title}: warm-up ${WARMUP} s each (${targets.map((t) => t.name).join(', ')})`);
  for (const target of targets) await target.measure(WARMUP);
  for (const target of targets) target.notes = target.notes ? [] : undefined;
  const results: Results = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) results.get(target.name)?.push(await target.measure(DURATION));
    log(
      `${title} round ${round + 1}/${ROUNDS}: ` +
        targets
          .map((t) => `${t.name} ${fmtRps(results.get(t.name)?.[round]?.rps ?? Number.NaN)}`)
          .join(', '),
    );
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Database, Redis

function databaseUrl(name = DATABASE): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

let databaseCreated = false;

async function createDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    databaseCreated = true;
  } finally {
    await admin.end();
  }
}

async function dropDatabase(): Promise<void> {
  if (!databaseCreated) return;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

interface Seed {
  loginPublicId: string;
  /** A user other than the caller: the cached read. */
  targetUser: string;
  /** Users read once each by the uncached scenario (service), and cycled by the baseline's raw read. */
  freshUsers: string[];
  rawUsers: string[];
  deepPostId: number;
  /** Internal ids of the rows a cursor points after, per list: the 20th row and the deep one. */
  listAnchors: Record<'users' | 'posts', { shallow: number; deep: number; depth: number }>;
}

/** The internal id of the live row at `depth` (1-based) of a list, newest first. */
async function rowAt(db: pg.Pool, table: string, depth: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM ${table} WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
    [depth - 1],
  );
  return rows[0]?.id ?? -1;
}

async function listAnchors(
  db: pg.Pool,
  table: string,
  size: number,
): Promise<{ shallow: number; deep: number; depth: number }> {
  const depth = Math.min(LIST_DEEP_DEPTH, size - 21);
  return { shallow: await rowAt(db, table, 20), deep: await rowAt(db, table, depth), depth };
}

async function seed(db: pg.Pool, withPosts: boolean): Promise<Seed> {
  const passwordHash = await hash(LOGIN_PASSWORD, ARGON2_OPTIONS);
  const login = await db.query<{ public_id: string }>(
    'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING public_id',
    [LOGIN_EMAIL, 'Bench Login', passwordHash],
  );
  const first = await db.query<{ min: number }>(
    `WITH inserted AS (
       INSERT INTO users (email, name, password_hash)
       SELECT 'user' || i || '@bench.example', 'Bench User ' || i, 'not-a-hash'
       FROM generate_series(1, $1::int) i
       RETURNING id)
     SELECT min(id) AS min FROM inserted`,
    [USERS],
  );
  const firstUserId = Number(first.rows[0].min);
  await db.query('VACUUM ANALYZE users');
  const users = await db.query<{ public_id: string }>(
    'SELECT public_id FROM users WHERE id >= $1 ORDER BY random()',
    [firstUserId],
  );
  const ids = users.rows.map((row) => row.public_id);
  let deepPostId = -1;
  if (withPosts) {
    log(`seeding ${POSTS.toLocaleString('en')} posts (generate_series; indexes rebuilt after)`);
    // Secondary indexes are dropped and rebuilt from their own definitions: twice as fast.
    const indexes = await db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename = 'posts' AND indexname <> 'posts_pkey'`,
    );
    for (const index of indexes.rows) await db.query(`DROP INDEX "${index.indexname}"`);
    await db.query(
      `INSERT INTO posts (user_id, title, body, created_at, updated_at)
       SELECT $1::int + (i % 1000), 'Post ' || i, repeat(md5(i::text), 6), ts, ts
       FROM generate_series(1, $2::int) i,
            LATERAL (SELECT timestamptz '2025-01-01' + (i / 2) * interval '1 second' AS ts) t`,
      [firstUserId, POSTS],
    );
    for (const index of indexes.rows) await db.query(index.indexdef);
    await db.query('VACUUM ANALYZE posts');
    const deep = await db.query<{ id: number }>(
      `SELECT id FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC
       OFFSET $1 LIMIT 1`,
      [Math.min(DEEP_PAGE_DEPTH, POSTS - 21) - 1],
    );
    deepPostId = deep.rows[0].id;
  }
  const anchors = {
    users: await listAnchors(db, 'users', USERS + 1),
    posts: withPosts ? await listAnchors(db, 'posts', POSTS) : { shallow: -1, deep: -1, depth: 0 },
  };
  return {
    loginPublicId: login.rows[0].public_id,
    targetUser: ids[0],
    rawUsers: ids.slice(1, 20_001),
    freshUsers: ids.slice(20_001),
    deepPostId,
    listAnchors: anchors,
  };
}

async function cleanRedis(): Promise<number> {
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  let deleted = 0;
  try {
    for await (const batch of client.scanIterator({ MATCH: `*${KEY_PREFIX}*`, COUNT: 1000 })) {
      const keys: string[] = Array.isArray(batch) ? batch : [batch];
      if (keys.length > 0) deleted += await client.del(keys);
    }
  } finally {
    client.destroy();
  }
  return deleted;
}

async function cacheCounters(port: number): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string): number =>
    Number(new RegExp(`^${name}\\{resource="user"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hits: read('cache_hits_total'), misses: read('cache_misses_total') };
}

// ---------------------------------------------------------------------------------------------
// A do-nothing OTLP/HTTP collector, so that the tracing variant exports somewhere local

interface Collector {
  server: Server;
  port: number;
  requests: number;
  bytes: number;
}

async function startCollector(): Promise<Collector> {
  const collector: Collector = { server: createServer(), port: 0, requests: 0, bytes: 0 };
  collector.server.on('request', (request, response) => {
    request.on('data', (chunk: Buffer) => (collector.bytes += chunk.length));
    request.on('end', () => {
      collector.requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolveListen) =>
    collector.server.listen(0, '127.0.0.1', () => resolveListen()),
  );
  const address = collector.server.address();
  collector.port = typeof address === 'object' && address ? address.port : 0;
  return collector;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function fmtRps(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en') : 'n/a';
}
function fmtMs(value: number): string {
  return Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : 'n/a';
}
function fmtRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a';
}
function pct(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
}
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ') + ' |';
  return [
    line(header),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

/** Median of a figure over the rounds of one target. */
function med(results: Results, name: string, pick: (m: Measurement) => number): number {
  return median((results.get(name) ?? []).map(pick));
}

/** Median over rounds of a per-round figure computed from two targets measured in that round. */
function paired(
  results: Results,
  a: string,
  b: string,
  combine: (x: Measurement, y: Measurement) => number,
): number {
  const xs = results.get(a) ?? [];
  const ys = results.get(b) ?? [];
  return median(xs.map((x, i) => (ys[i] ? combine(x, ys[i]) : Number.NaN)).filter(Number.isFinite));
}

const rpsRatio = (x: Measurement, y: Measurement): number => x.rps / y.rps;
/** Extra server time per request of x over y, µs: one saturated core serves 1e6/rps µs each. */
const extraMicros = (x: Measurement, y: Measurement): number => 1e6 / x.rps - 1e6 / y.rps;

// ---------------------------------------------------------------------------------------------
// The run

interface Row {
  id: string;
  scenario: string;
  measured: string;
  value: number;
  target: string;
  met: boolean | null;
}

interface Report {
  rows: Row[];
  targets: {
    name: string;
    label: string;
    connections: number;
    rounds: Measurement[];
    notes: string[];
  }[];
  layers: string[][];
  extra: string[];
  memory?: {
    samples: { t: number; rss: number }[];
    start: number;
    end: number;
    max: number;
    idle: number;
    head: number;
    tail: number;
  };
}

function targetSummaries(report: Report, targets: Target[], results: Results): void {
  for (const target of targets) {
    report.targets.push({
      name: target.name,
      label: target.label,
      connections: target.connections,
      rounds: results.get(target.name) ?? [],
      notes: target.notes ?? [],
    });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--profile') return profile(process.argv[3] ?? 'users-cached');

  const report: Report = { rows: [], targets: [], layers: [], extra: [] };
  const environment = await prepare(ONLY.has('posts') || ONLY.has('lists'));
  const { seedData, token, db } = environment;
  const auth = { Authorization: `Bearer ${token}` };

  // Instances: one setting different each; all idle but the one under load.
  const collector = await startCollector();
  closeCollector = () => collector.server.close();
  const [pSilent, pOtel, pExact, pBase, pBaseRl, pTrial, pFloor] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const svc = environment.service;
  const svcSilent = startProc(
    'service-silent',
    pSilent,
    SERVICE_MAIN,
    serviceEnv(pSilent, { LOG_LEVEL: 'silent' }),
  );
  const svcOtel = startProc(
    'service-otel',
    pOtel,
    SERVICE_MAIN,
    serviceEnv(pOtel, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}` }),
  );
  const svcExact = startProc(
    'service-exact-count',
    pExact,
    SERVICE_MAIN,
    serviceEnv(pExact, { COUNT_ESTIMATE_THRESHOLD: UNLIMITED }),
  );
  const base = startProc('baseline', pBase, BASELINE_MAIN, baselineEnv(pBase));
  const baseRl = startProc(
    'baseline-ratelimit',
    pBaseRl,
    BASELINE_MAIN,
    baselineEnv(pBaseRl, { BASELINE_RATE_LIMIT: '1' }),
  );
  const nestFloor = startProc('nest-floor', pFloor, NEST_FLOOR_MAIN, { PORT: String(pFloor) });
  const svcTrial = TRIAL_MAIN
    ? startProc('service-trial', pTrial, TRIAL_MAIN, serviceEnv(pTrial, TRIAL_ENV))
    : undefined;
  await Promise.all([
    ...(svcTrial ? [waitReady(svcTrial, '/ready')] : []),
    waitReady(svcSilent, '/ready'),
    waitReady(svcOtel, '/ready'),
    waitReady(svcExact, '/ready'),
    waitReady(base, '/health'),
    waitReady(baseRl, '/health'),
    waitReady(nestFloor, '/health'),
  ]);
  log('all servers ready');

  // Sanity: every target answers 200 with the shape expected, before anything is timed.
  const userPath = `/users/${seedData.targetUser}`;
  for (const proc of [svc, svcSilent, svcOtel, base, baseRl, ...(svcTrial ? [svcTrial] : [])]) {
    const response = await fetch(`http://127.0.0.1:${proc.port}${userPath}`, { headers: auth });
    const body = (await response.json()) as { data?: { id?: string } };
    if (response.status !== 200 || body.data?.id !== seedData.targetUser) {
      throw new Error(
        `${proc.name}: GET ${userPath} answered ${response.status} ${JSON.stringify(body)}`,
      );
    }
  }
  const cursors = new CursorCodec(JWT_SECRET);
  const deepCursor = seedData.deepPostId > 0 ? cursors.encode('posts', seedData.deepPostId) : '';

  // 1. GET /health
  if (ONLY.has('health')) {
    const targets = [
      wrkTarget('svc', 'service GET /health', {
        port: svc.port,
        path: '/health',
        connections: CONNECTIONS.read,
      }),
      wrkTarget('base', 'baseline GET /health', {
        port: base.port,
        path: '/health',
        connections: CONNECTIONS.read,
      }),
      wrkTarget('nest-floor', 'bare Nest (Fastify adapter, one controller) GET /health', {
        port: nestFloor.port,
        path: '/health',
        connections: CONNECTIONS.read,
      }),
    ];
    if (svcTrial) {
      targets.push(
        wrkTarget('trial', `trial build GET /health (${TRIAL_MAIN})`, {
          port: svcTrial.port,
          path: '/health',
          connections: CONNECTIONS.read,
        }),
      );
    }
    const results = await alternate('health', targets);
    targetSummaries(report, targets, results);
    if (svcTrial) {
      report.extra.push(
        `trial build / service, GET /health req/s: ${fmtRatio(paired(results, 'trial', 'svc', rpsRatio))}; trial / baseline: ${fmtRatio(paired(results, 'trial', 'base', rpsRatio))}`,
      );
    }
    const floor = paired(results, 'nest-floor', 'base', rpsRatio);
    report.extra.push(
      `bare Nest GET /health / baseline req/s: ${fmtRatio(floor)}; service / bare Nest: ${fmtRatio(paired(results, 'svc', 'nest-floor', rpsRatio))} (the share of target 1 that Nest itself takes)`,
    );
    const ratio = paired(results, 'svc', 'base', rpsRatio);
    report.rows.push({
      id: '1',
      scenario: 'GET /health: service / baseline req/s',
      measured: `${fmtRatio(ratio)} (${fmtRps(med(results, 'svc', (m) => m.rps))} / ${fmtRps(med(results, 'base', (m) => m.rps))})`,
      value: ratio,
      target: '>= 0.85',
      met: ratio >= 0.85,
    });
  }

  // 2 and 3. GET /users/:id cached and uncached, with the layers switched off one at a time
  if (ONLY.has('users')) {
    const read = (port: number, path = userPath): Load => ({
      port,
      path,
      headers: auth,
      connections: CONNECTIONS.read,
    });
    const fresh = new IdFeed('fresh users', seedData.freshUsers);
    const raw = new IdFeed('raw users', seedData.rawUsers);
    const targets = [
      wrkTarget(
        'svc-cached',
        'service GET /users/:id, cache hit (LOG_LEVEL=info)',
        read(svc.port),
        svc,
      ),
      wrkTarget('base-cached', 'baseline GET /users/:id, cache hit', read(base.port)),
      wrkTarget(
        'base-one-get',
        'floor: JWT verify + one Redis GET (GET /floor/users/:id)',
        read(base.port, `/floor${userPath}`),
      ),
      wrkTarget(
        'svc-silent',
        'service, cache hit, LOG_LEVEL=silent',
        read(svcSilent.port),
        svcSilent,
      ),
      wrkTarget(
        'svc-otel',
        'service, cache hit, OTLP export to a local dummy collector',
        read(svcOtel.port),
        svcOtel,
      ),
      wrkTarget(
        'base-ratelimit',
        'baseline, cache hit, plus the rate-limit EVAL',
        read(baseRl.port),
      ),
      wrkTarget(
        'svc-uncached',
        'service GET /users/:id, a never-read user each request (cache miss)',
        { ...read(svc.port, '/users/'), ids: fresh },
        svc,
      ),
      wrkTarget('base-raw', 'baseline GET /raw/users/:id (raw pg, no cache)', {
        ...read(base.port, '/raw/users/'),
        ids: raw,
      }),
    ];
    if (svcTrial) {
      targets.push(
        wrkTarget(
          'trial-cached',
          `trial build GET /users/:id cache hit (${TRIAL_MAIN})`,
          read(svcTrial.port),
          svcTrial,
        ),
      );
    }
    const results = await alternate('users', targets);
    targetSummaries(report, targets, results);
    if (svcTrial) {
      report.extra.push(
        `trial build / service, cached GET /users/:id req/s: ${fmtRatio(paired(results, 'trial-cached', 'svc-cached', rpsRatio))}; trial / baseline: ${fmtRatio(paired(results, 'trial-cached', 'base-cached', rpsRatio))}`,
      );
    }
    if (fresh.wrapped)
      report.extra.push(
        'WARNING: the uncached scenario ran out of fresh users and reused some (cache hits): raise BENCH_USERS',
      );
    const cached = paired(results, 'svc-cached', 'base-one-get', rpsRatio);
    const cachedVsBase = paired(results, 'svc-cached', 'base-cached', rpsRatio);
    const uncached = paired(results, 'svc-uncached', 'base-raw', rpsRatio);
    const hitVsMiss = paired(results, 'svc-cached', 'svc-uncached', rpsRatio);
    report.rows.push(
      {
        id: '2',
        scenario: 'GET /users/:id cache hit: service / floor (one JWT verify, one Redis GET) req/s',
        measured: `${fmtRatio(cached)} (${fmtRps(med(results, 'svc-cached', (m) => m.rps))} / ${fmtRps(med(results, 'base-one-get', (m) => m.rps))})`,
        value: cached,
        target: '>= 0.75',
        met: cached >= 0.75,
      },
      {
        id: '2b',
        scenario: 'GET /users/:id cache hit: service / baseline (liveness and entry MGETs) req/s',
        measured: `${fmtRatio(cachedVsBase)} (${fmtRps(med(results, 'svc-cached', (m) => m.rps))} / ${fmtRps(med(results, 'base-cached', (m) => m.rps))})`,
        value: cachedVsBase,
        target: '-',
        met: null,
      },
      {
        id: '3a',
        scenario: 'GET /users/:id cache miss: service / baseline raw pg req/s',
        measured: `${fmtRatio(uncached)} (${fmtRps(med(results, 'svc-uncached', (m) => m.rps))} / ${fmtRps(med(results, 'base-raw', (m) => m.rps))})`,
        value: uncached,
        target: '>= 0.70',
        met: uncached >= 0.7,
      },
      {
        id: '3b',
        scenario: 'service cache hit / cache miss req/s',
        measured: `${fmtRatio(hitVsMiss)}`,
        value: hitVsMiss,
        target: '>= 1.50',
        met: hitVsMiss >= 1.5,
      },
    );
    const svcMicros = 1e6 / med(results, 'svc-cached', (m) => m.rps);
    // Each layer's cost is a difference of two noisy figures: show the rounds, and say when their
    // signs disagree (the layer costs less than the noise can resolve).
    const perRound = (a: string, b: string): number[] => {
      const xs = results.get(a) ?? [];
      const ys = results.get(b) ?? [];
      return xs.map((x, i) => extraMicros(x, ys[i]));
    };
    const layerPair: Record<string, [string, string]> = {};
    const layer = (name: string, how: string, micros: number, share: number): string[] => {
      const [a, b] = layerPair[name] ?? ['', ''];
      const rounds = a ? perRound(a, b) : [];
      const mixed = rounds.some((r) => r > 0) && rounds.some((r) => r < 0);
      return [
        name,
        how,
        Number.isFinite(micros) ? micros.toFixed(0) : 'n/a',
        mixed ? `${pct(share)} (within noise)` : pct(share),
        rounds.map((r) => r.toFixed(0)).join(' / '),
      ];
    };
    layerPair['request logging (pino, info, to a file)'] = ['svc-cached', 'svc-silent'];
    layerPair['tracing (OpenTelemetry SDK, http+pg+redis, OTLP export)'] = [
      'svc-otel',
      'svc-cached',
    ];
    layerPair['rate limiting (one Redis EVAL per request)'] = ['base-ratelimit', 'base-cached'];
    layerPair['the rest: Nest pipeline, guards, cache-manager/Keyv, metrics'] = [
      'svc-silent',
      'base-ratelimit',
    ];
    report.layers.push(
      [
        '(whole request, service)',
        'cache hit, LOG_LEVEL=info, no tracing',
        svcMicros.toFixed(0),
        '100%',
        '',
      ],
      layer(
        'request logging (pino, info, to a file)',
        'LOG_LEVEL=info vs silent',
        paired(results, 'svc-cached', 'svc-silent', extraMicros),
        paired(results, 'svc-cached', 'svc-silent', extraMicros) / svcMicros,
      ),
      layer(
        'tracing (OpenTelemetry SDK, http+pg+redis, OTLP export)',
        'OTEL endpoint set vs unset (cost on top of the whole request)',
        paired(results, 'svc-otel', 'svc-cached', extraMicros),
        paired(results, 'svc-otel', 'svc-cached', extraMicros) / svcMicros,
      ),
      layer(
        'rate limiting (one Redis EVAL per request)',
        'not switchable in the service: the same EVAL added to the baseline',
        paired(results, 'base-ratelimit', 'base-cached', extraMicros),
        paired(results, 'base-ratelimit', 'base-cached', extraMicros) / svcMicros,
      ),
      [
        'validation (global ValidationPipe)',
        'not switchable; GET /users/:id has no DTO (ParseUUIDPipe only)',
        '-',
        '-',
        '',
      ],
      layer(
        'the rest: Nest pipeline, guards, cache-manager/Keyv, metrics',
        'service silent vs baseline with the EVAL',
        paired(results, 'svc-silent', 'base-ratelimit', extraMicros),
        paired(results, 'svc-silent', 'base-ratelimit', extraMicros) / svcMicros,
      ),
      layer(
        'baseline total (same work by hand, no EVAL)',
        '1e6 / baseline req/s',
        1e6 / med(results, 'base-cached', (m) => m.rps),
        1e6 / med(results, 'base-cached', (m) => m.rps) / svcMicros,
      ),
    );
    report.extra.push(
      `OTLP collector received ${collector.requests} export requests, ${(collector.bytes / 1e6).toFixed(1)} MB`,
    );
  }

  // 4. GET /posts on a million rows: first page, a page ~999,000 deep, and what meta.total costs
  if (ONLY.has('posts') && seedData.deepPostId > 0) {
    const posts = (port: number, path: string): Load => ({
      port,
      path,
      headers: auth,
      connections: CONNECTIONS.posts,
    });
    const deepPath = `/posts?cursor=${deepCursor}`;
    for (const proc of [svc, base]) {
      const response = await fetch(`http://127.0.0.1:${proc.port}${deepPath}`, { headers: auth });
      const body = (await response.json()) as { data?: unknown[] };
      if (response.status !== 200 || body.data?.length !== 20) {
        throw new Error(`${proc.name}: GET ${deepPath} answered ${response.status}`);
      }
    }
    const targets = [
      wrkTarget(
        'svc-first',
        'service GET /posts (first page, total estimated)',
        posts(svc.port, '/posts'),
      ),
      wrkTarget(
        'svc-deep',
        `service GET /posts?cursor=… (depth ${DEEP_PAGE_DEPTH.toLocaleString('en')})`,
        posts(svc.port, deepPath),
      ),
      wrkTarget(
        'base-first',
        'baseline GET /posts (first page, total estimated)',
        posts(base.port, '/posts'),
      ),
      wrkTarget(
        'base-first-nototal',
        'baseline GET /posts without counting',
        posts(base.port, '/posts-without-total'),
      ),
    ];
    const results = await alternate('posts', targets);
    targetSummaries(report, targets, results);
    const deepVsFirst = paired(results, 'svc-deep', 'svc-first', (x, y) => x.p50 / y.p50);
    // What counting adds, priced in the baseline (the service cannot switch it off): extra µs per
    // request with the estimate query, over the service's own µs per first-page request, per round.
    const withTotal = results.get('base-first') ?? [];
    const withoutTotal = results.get('base-first-nototal') ?? [];
    const serviceFirst = results.get('svc-first') ?? [];
    const totalShareHttp = median(
      withTotal.map((x, i) => extraMicros(x, withoutTotal[i]) / (1e6 / serviceFirst[i].rps)),
    );
    // The queries alone, straight through pg (sequential, median of repeated executions).
    const timeQuery = async (sql: string, params: unknown[], times: number): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < times; i += 1) {
        const start = performance.now();
        await db.query(sql, params);
        samples.push(performance.now() - start);
      }
      return median(samples);
    };
    const select =
      'SELECT "post"."id", "post"."public_id", "post"."user_id", "post"."title", "post"."body", "post"."version", ' +
      '"post"."created_at", "post"."updated_at", "post"."deleted_at", "author"."public_id", "author"."id" ' +
      'FROM "posts" "post" INNER JOIN "users" "author" ON "author"."id"="post"."user_id" AND ("author"."deleted_at" IS NULL) ';
    const order = ' ORDER BY "post"."created_at" DESC, "post"."id" DESC LIMIT 21';
    const firstMs = await timeQuery(`${select}WHERE "post"."deleted_at" IS NULL${order}`, [], 200);
    const deepMs = await timeQuery(
      `${select}WHERE ( ("post"."created_at", "post"."id") < (SELECT c.created_at, c.id FROM posts c WHERE c.id = $1) ) AND ( "post"."deleted_at" IS NULL )${order}`,
      [seedData.deepPostId],
      200,
    );
    const estimateMs = await timeQuery(
      'SELECT reltuples::bigint::int8 AS estimate FROM pg_class WHERE oid = $1::regclass',
      ['posts'],
      200,
    );
    const exactMs = await timeQuery(
      'SELECT COUNT(DISTINCT("post"."id")) AS "cnt" FROM "posts" "post" INNER JOIN "users" "author" ON "author"."id"="post"."user_id" AND ("author"."deleted_at" IS NULL) WHERE "post"."deleted_at" IS NULL',
      [],
      3,
    );
    // meta.total's cost: the estimate query alone (a whole loopback round trip, so an upper bound
    // of the work it adds) over the service's µs per first-page request. The HTTP-level price (the
    // baseline with and without it) is printed too, but it is a difference of two noisy figures.
    // The service reuses an estimate above the threshold for ESTIMATE_REUSE_SECONDS (pagination
    // service), so at R requests per second one request in R × that many runs the query: the
    // target is judged on that amortised share; the share of one query per request is printed too.
    const serviceFirstRps = med(results, 'svc-first', (m) => m.rps);
    const serviceFirstMicros = 1e6 / serviceFirstRps;
    const perRequestShare = (estimateMs * 1000) / serviceFirstMicros;
    const totalShare = perRequestShare / Math.max(1, serviceFirstRps * ESTIMATE_REUSE_SECONDS);
    const httpRounds = withTotal.map((x, i) => extraMicros(x, withoutTotal[i]));
    const httpMixed = httpRounds.some((r) => r > 0) && httpRounds.some((r) => r < 0);
    report.rows.push(
      {
        id: '4a',
        scenario: `GET /posts page at depth ${DEEP_PAGE_DEPTH.toLocaleString('en')} / first page, p50 latency`,
        measured: `${fmtRatio(deepVsFirst)} (${fmtMs(med(results, 'svc-deep', (m) => m.p50))} ms / ${fmtMs(med(results, 'svc-first', (m) => m.p50))} ms)`,
        value: deepVsFirst,
        target: '<= 1.20',
        met: deepVsFirst <= 1.2,
      },
      {
        id: '4b',
        scenario: 'meta.total (planner estimate) added to a GET /posts request',
        measured:
          `${pct(totalShare)} (estimate query ${(estimateMs * 1000).toFixed(0)} µs, run once per ${ESTIMATE_REUSE_SECONDS} s = per ${fmtRps(serviceFirstRps * ESTIMATE_REUSE_SECONDS)} requests of ${serviceFirstMicros.toFixed(0)} µs; once per request it would be ${pct(perRequestShare)}); ` +
          `over HTTP ${pct(totalShareHttp)} (${httpRounds.map((r) => r.toFixed(0)).join(' / ')} µs per round, baseline with/without${httpMixed ? ', within noise' : ''})`,
        value: totalShare,
        target: '<= 10%',
        met: totalShare <= 0.1,
      },
    );
    const svcVsBase = paired(results, 'svc-first', 'base-first', rpsRatio);
    report.extra.push(
      `GET /posts first page, service / baseline req/s: ${fmtRatio(svcVsBase)} (no target)`,
    );

    // The exact count, once, at low concurrency: what the estimate saves.
    log('posts: exact count (COUNT_ESTIMATE_THRESHOLD above the table size), one measurement');
    const exact = wrkTarget(
      'svc-exact-count',
      'service GET /posts, COUNT_ESTIMATE_THRESHOLD=1e9 (exact COUNT of 1M rows)',
      { port: svcExact.port, path: '/posts', headers: auth, connections: CONNECTIONS.exactCount },
    );
    const exactResult = await exact.measure(DURATION);
    targetSummaries(report, [exact], new Map([['svc-exact-count', [exactResult]]]));

    report.extra.push(
      `posts queries alone through pg (sequential, median; includes the loopback round trip): ` +
        `first page ${fmtMs(firstMs)} ms, deep page ${fmtMs(deepMs)} ms, ` +
        `pg_class estimate ${fmtMs(estimateMs)} ms (${pct(estimateMs / firstMs)} of the first page query), ` +
        `exact COUNT ${fmtMs(exactMs)} ms`,
    );
  }

  // Target 1 of issue 18: the lists against their bare Fastify + pg floor (listsScenario)
  if (ONLY.has('lists') && seedData.listAnchors.posts.deep > 0) {
    await listsScenario(report, { svc, base, trial: svcTrial, seedData, auth, cursors });
  }

  // 5. POST /auth/token against the raw argon2id verify rate
  if (ONLY.has('login')) {
    const argon2: Target = {
      name: 'argon2-raw',
      label: `raw @node-rs/argon2 verify on the server core, back to back (${CONNECTIONS.login} queued, 1 thread)`,
      connections: CONNECTIONS.login,
      measure(seconds) {
        const [command, args] = pinned(SERVER_CPU, process.execPath, [
          ARGON2_RATE_MAIN,
          String(CONNECTIONS.login),
          String(seconds),
          '1',
        ]);
        // One libuv thread: verifications run back to back on the one server core, never two
        // at once (four 19 MiB argon2 instances time-sharing one core thrash its caches).
        const result = spawnSync(command, args, {
          encoding: 'utf8',
          env: { ...env, UV_THREADPOOL_SIZE: '1' },
        });
        const line = result.stdout.trim().split('\n').pop() ?? '';
        const raw = JSON.parse(line) as {
          verifies: number;
          seconds: number;
          rate: number;
          p50_ms: number;
          p99_ms: number;
        };
        return Promise.resolve({
          rps: raw.rate,
          requests: raw.verifies,
          seconds: raw.seconds,
          p50: raw.p50_ms,
          p90: Number.NaN,
          p99: raw.p99_ms,
          errors: 0,
        });
      },
    };
    const targets = [
      wrkTarget(
        'svc-login',
        'service POST /auth/token (argon2id verify, refresh token insert, JWT sign)',
        {
          port: svc.port,
          path: '/auth/token',
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: LOGIN_EMAIL, password: LOGIN_PASSWORD }),
          connections: CONNECTIONS.login,
        },
      ),
      argon2,
    ];
    if (svcTrial) {
      targets.push(
        wrkTarget(
          'trial-login',
          `trial build POST /auth/token (${TRIAL_MAIN} ${env.BENCH_TRIAL_ENV ?? ''})`,
          {
            port: svcTrial.port,
            path: '/auth/token',
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ email: LOGIN_EMAIL, password: LOGIN_PASSWORD }),
            connections: CONNECTIONS.login,
          },
        ),
      );
    }
    const results = await alternate('login', targets);
    targetSummaries(report, targets, results);
    if (svcTrial) {
      report.extra.push(
        `trial build / service, POST /auth/token: ${fmtRatio(paired(results, 'trial-login', 'svc-login', rpsRatio))}; trial / raw argon2: ${fmtRatio(paired(results, 'trial-login', 'argon2-raw', rpsRatio))}`,
      );
    }
    const ratio = paired(results, 'svc-login', 'argon2-raw', rpsRatio);
    report.rows.push({
      id: '5',
      scenario: 'POST /auth/token / raw argon2id verify rate',
      measured: `${fmtRatio(ratio)} (${med(results, 'svc-login', (m) => m.rps).toFixed(1)} / ${med(results, 'argon2-raw', (m) => m.rps).toFixed(1)} per s)`,
      value: ratio,
      target: '>= 0.90',
      met: ratio >= 0.9,
    });
  }

  // 6. RSS over a sustained cached read
  if (ONLY.has('memory')) {
    const memoryLoad: Load = {
      port: svc.port,
      path: userPath,
      headers: auth,
      connections: CONNECTIONS.read,
    };
    log(
      `memory: ${MEMORY_WARMUP} s of load to reach the working heap, then ${MEMORY_SECONDS} s with RSS sampled every second`,
    );
    const idle = rssMb(svc.pid);
    await runWrk(memoryLoad, MEMORY_WARMUP);
    const samples: { t: number; rss: number }[] = [{ t: 0, rss: rssMb(svc.pid) }];
    const start = Date.now();
    const sampler = setInterval(() => {
      if (!svc.exited) samples.push({ t: (Date.now() - start) / 1000, rss: rssMb(svc.pid) });
    }, 1000);
    const result = await runWrk(memoryLoad, MEMORY_SECONDS);
    clearInterval(sampler);
    samples.push({ t: (Date.now() - start) / 1000, rss: rssMb(svc.pid) });
    const first = samples[0].rss;
    const last = samples[samples.length - 1].rss;
    const max = Math.max(...samples.map((s) => s.rss));
    // RSS saw-tooths with the garbage collector (the old space grows by ~100 MB between major
    // collections, every 20-40 s here), so two samples, or medians of two short windows, depend
    // on where the saw-tooth stands. A leak raises the floor the collector returns to: compare the
    // lowest RSS of each half of the run (each holds at least one collection). The medians of the
    // first and last 10 s are printed too.
    const half = Math.floor(samples.length / 2);
    const floorFirst = Math.min(...samples.slice(0, half).map((s) => s.rss));
    const floorLast = Math.min(...samples.slice(half).map((s) => s.rss));
    const growth = floorLast - floorFirst;
    const head = median(samples.slice(0, 10).map((s) => s.rss));
    const tail = median(samples.slice(-10).map((s) => s.rss));
    report.memory = { samples, start: first, end: last, max, idle, head, tail };
    report.targets.push({
      name: 'svc-memory',
      label: `service GET /users/:id cache hit, ${MEMORY_SECONDS} s`,
      connections: CONNECTIONS.read,
      rounds: [result],
      notes: [],
    });
    report.rows.push({
      id: '6',
      scenario: `RSS growth over ${MEMORY_SECONDS} s of cached GET /users/:id (lowest RSS of the second half - of the first)`,
      measured:
        `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB (floors ${floorFirst.toFixed(0)} / ${floorLast.toFixed(0)}; idle ${idle.toFixed(0)}, ` +
        `median of the first 10 s ${head.toFixed(0)}, of the last 10 s ${tail.toFixed(0)}, max ${max.toFixed(0)})`,
      value: growth,
      target: '<= 50 MB',
      met: growth <= 50,
    });
  }

  // Request logging really was on: count the service's request lines.
  const logged = readFileSync(svc.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"route":"/users/:id"')).length;
  report.extra.push(
    `service (LOG_LEVEL=info) wrote ${logged.toLocaleString('en')} request log lines for GET /users/:id to its log file`,
  );

  printReport(report);
  writeFileSync(RESULTS_FILE, JSON.stringify({ settings: settingsSummary(), ...report }, null, 2));
  console.log(`\nraw figures: ${RESULTS_FILE}`);
}

// ---------------------------------------------------------------------------------------------
// Target 1: GET /users and GET /posts (20 a page) against the list floor (baseline /floor/…)

interface ListsContext {
  svc: Proc;
  base: Proc;
  trial?: Proc;
  seedData: Seed;
  auth: Record<string, string>;
  cursors: CursorCodec;
}

async function listsScenario(report: Report, context: ListsContext): Promise<void> {
  const { svc, base, trial, seedData, auth, cursors } = context;
  const pages = (table: 'users' | 'posts') => {
    const anchors = seedData.listAnchors[table];
    return [
      { key: 'first', label: 'first page', query: 'per_page=20' },
      {
        key: 'offset-deep',
        label: `page ${LIST_MAX_PAGE.toLocaleString('en')} (offset ${((LIST_MAX_PAGE - 1) * 20).toLocaleString('en')}, the deepest offset page)`,
        query: `per_page=20&page=${LIST_MAX_PAGE}`,
      },
      {
        key: 'cursor',
        label: 'second page by cursor',
        query: `per_page=20&cursor=${cursors.encode(table, anchors.shallow)}`,
      },
      {
        key: 'cursor-deep',
        label: `cursor at depth ${anchors.depth.toLocaleString('en')}`,
        query: `per_page=20&cursor=${cursors.encode(table, anchors.deep)}`,
      },
    ];
  };
  const targets: Target[] = [];
  const checks: { name: string; port: number; path: string }[] = [];
  const pairs: { table: string; key: string; label: string }[] = [];
  for (const table of ['users', 'posts'] as const) {
    for (const page of pages(table).filter((p) => !LIST_PAGES || LIST_PAGES.has(p.key))) {
      const sides: [string, Proc, string][] = [
        ['svc', svc, `/${table}?${page.query}`],
        ['floor', base, `/floor/${table}?${page.query}`],
        ...(trial ? [['trial', trial, `/${table}?${page.query}`] as [string, Proc, string]] : []),
      ];
      for (const [side, proc, path] of sides) {
        const name = `${side}-${table}-${page.key}`;
        checks.push({ name, port: proc.port, path });
        targets.push(
          wrkTarget(name, `${side} GET ${path.replace(/cursor=[^&]+/, 'cursor=…')}`, {
            port: proc.port,
            path,
            headers: auth,
            connections: CONNECTIONS.posts,
          }),
        );
      }
      pairs.push({ table, key: page.key, label: page.label });
    }
  }
  // Every target answers 20 items and the same meta shape before anything is timed.
  for (const check of checks) {
    const response = await fetch(`http://127.0.0.1:${check.port}${check.path}`, { headers: auth });
    const body = (await response.json()) as { data?: unknown[]; meta?: { total?: number } };
    if (response.status !== 200 || body.data?.length !== 20 || !(Number(body.meta?.total) > 0)) {
      throw new Error(`${check.name}: GET ${check.path} answered ${response.status}`);
    }
  }
  const results = await alternate('lists', targets);
  targetSummaries(report, targets, results);
  const latency = (name: string): string =>
    `p50 ${fmtMs(med(results, name, (m) => m.p50))} / p99 ${fmtMs(med(results, name, (m) => m.p99))} ms`;
  for (const { table, key, label } of pairs) {
    const svcName = `svc-${table}-${key}`;
    const floorName = `floor-${table}-${key}`;
    const ratio = paired(results, svcName, floorName, rpsRatio);
    report.rows.push({
      id: `L-${table}-${key}`,
      scenario: `GET /${table}?per_page=20, ${label}: service / list floor req/s`,
      measured:
        `${fmtRatio(ratio)} (${fmtRps(med(results, svcName, (m) => m.rps))} vs ${fmtRps(med(results, floorName, (m) => m.rps))} req/s; ` +
        `service ${latency(svcName)}, floor ${latency(floorName)})`,
      value: ratio,
      target: '>= 0.70',
      met: ratio >= 0.7,
    });
    if (trial) {
      report.extra.push(
        `trial / service, GET /${table} ${label}: ${fmtRatio(paired(results, `trial-${table}-${key}`, svcName, rpsRatio))}; ` +
          `trial / floor: ${fmtRatio(paired(results, `trial-${table}-${key}`, floorName, rpsRatio))} (${latency(`trial-${table}-${key}`)})`,
      );
    }
  }
}

function settingsSummary(): Record<string, unknown> {
  return {
    duration_s: DURATION,
    warmup_s: WARMUP,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    posts: POSTS,
    users: USERS,
    pinned: PINNED ? { servers: SERVER_CPU, load: LOAD_CPU } : false,
  };
}

function machineSummary(): string[] {
  const cpuModel =
    /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const wrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return [
    `machine: ${CORE_COUNT} cores (${cpuModel}), node ${process.version}, ${(wrk.stdout || wrk.stderr).split('\n')[0].trim()}`,
    PINNED
      ? `pinning: servers on CPU ${SERVER_CPU}, wrk and this harness on CPU ${LOAD_CPU} (taskset); PostgreSQL and Redis unpinned`
      : 'pinning: none (fewer than 2 cores or no taskset): figures are less comparable',
    `each measurement ${DURATION} s after a ${WARMUP} s warm-up per target; ${ROUNDS} rounds, order alternating; medians`,
    `load average at start ${startLoad}, now ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (other processes on the machine compete for both cores)`,
  ];
}

function printReport(report: Report): void {
  console.log('\n' + machineSummary().join('\n'));
  console.log('\n== Targets (service against baseline; medians of paired rounds) ==\n');
  console.log(
    table(
      ['#', 'scenario', 'measured', 'target', 'result'],
      report.rows.map((r) => [
        r.id,
        r.scenario,
        r.measured,
        r.target,
        r.met === null ? '-' : r.met ? 'met' : 'NOT MET',
      ]),
    ),
  );
  console.log('\n== Each target (medians over rounds) ==\n');
  console.log(
    table(
      ['target', 'what', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'req/s per round', 'errors', 'notes'],
      report.targets.map((t) => {
        const rps = median(t.rounds.map((m) => m.rps));
        return [
          t.name,
          t.label,
          String(t.connections),
          t.name.endsWith('login') || t.name === 'argon2-raw' || t.name === 'svc-exact-count'
            ? rps.toFixed(1)
            : fmtRps(rps),
          fmtMs(median(t.rounds.map((m) => m.p50))),
          fmtMs(median(t.rounds.map((m) => m.p99))),
          t.rounds.map((m) => (m.rps < 1000 ? m.rps.toFixed(1) : fmtRps(m.rps))).join(' / '),
          String(t.rounds.reduce((sum, m) => sum + m.errors, 0)),
          [...new Set(t.notes)].slice(0, 1).join(''),
        ];
      }),
    ),
  );
  if (report.layers.length > 0) {
    console.log(
      '\n== Where the time of a cached GET /users/:id goes (server µs per request = 1e6 / req/s on one core) ==\n',
    );
    console.log(
      table(
        ['layer', 'how measured', 'µs/request', 'share of the service request', 'µs per round'],
        report.layers,
      ),
    );
  }
  if (report.memory) {
    const m = report.memory;
    const every10 = m.samples.filter((_, i) => i % 10 === 0 || i === m.samples.length - 1);
    console.log(
      `\n== RSS during the sustained load (MB) ==\n` +
        every10.map((s) => `t=${s.t.toFixed(0)}s ${s.rss.toFixed(1)}`).join(', '),
    );
  }
  if (report.extra.length > 0)
    console.log('\n' + report.extra.map((line) => `- ${line}`).join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Setup and teardown shared by the run and the profile

interface Environment {
  db: pg.Pool;
  service: Proc;
  seedData: Seed;
  token: string;
}

async function prepare(withPosts: boolean, serviceNodeArgs: string[] = []): Promise<Environment> {
  for (const file of [SERVICE_MAIN, BASELINE_MAIN, NEST_FLOOR_MAIN, ARGON2_RATE_MAIN]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: run \`npm run bench\` (it builds first)`);
  }
  if (spawnSync('wrk', ['--version']).error) {
    throw new Error(
      'wrk is not installed: apt-get install -y wrk (Debian package), then run again',
    );
  }
  if (PINNED)
    spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
  workDir = mkdtempSync(join(tmpdir(), 'users-posts-bench-'));
  log(machineSummary()[0]);
  log(`database ${DATABASE}, Redis ${REDIS_URL} prefix ${KEY_PREFIX}, logs in ${workDir}`);

  await createDatabase();
  // No statement timeout for the harness: the service sets 15 s on the role and database, which
  // seeding a million posts exceeds on a loaded machine.
  const db = new pg.Pool({
    connectionString: databaseUrl(),
    max: 2,
    options: '-c statement_timeout=0',
  });
  environmentDb = db;
  const port = await freePort();
  // The first instance applies the migrations; the others start after it.
  const service = startProc(
    'service',
    port,
    SERVICE_MAIN,
    serviceEnv(port, { RUN_MIGRATIONS: 'true' }),
    serviceNodeArgs,
  );
  await waitReady(service, '/ready');
  log(`service ready (migrations applied); seeding ${USERS.toLocaleString('en')} users`);
  const seedData = await seed(db, withPosts);
  const response = await fetch(`http://127.0.0.1:${service.port}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: LOGIN_EMAIL, password: LOGIN_PASSWORD }),
  });
  const body = (await response.json()) as { data?: { access_token?: string } };
  const token = body.data?.access_token;
  if (!token) throw new Error(`login failed: ${response.status} ${JSON.stringify(body)}`);
  log('seeded; token issued by the service');
  return { db, service, seedData, token };
}

let cleanedUp = false;
let closeCollector: (() => void) | undefined;

async function cleanup(db?: pg.Pool): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  closeCollector?.();
  await Promise.all(procs.map((proc) => stopProc(proc).catch(() => undefined)));
  await db?.end().catch(() => undefined);
  try {
    await dropDatabase();
  } catch (error) {
    console.error(`could not drop database ${DATABASE}: ${(error as Error).message}`);
  }
  try {
    const deleted = await cleanRedis();
    log(`removed database ${DATABASE} and ${deleted} Redis keys`);
  } catch (error) {
    console.error(`could not clean Redis keys ${KEY_PREFIX}*: ${(error as Error).message}`);
  }
  if (workDir && !KEEP_LOGS) rmSync(workDir, { recursive: true, force: true });
  else if (workDir) log(`logs kept in ${workDir}`);
}

// ---------------------------------------------------------------------------------------------
// Profile: `npm run bench:profile -- <scenario>`

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const PROFILE_SCENARIOS = [
  'health',
  'users-cached',
  'users-uncached',
  'users-first',
  'posts-first',
  'posts-deep',
  'login',
];

/**
 * Runs one scenario against a service started with `node --cpu-prof`, then prints the frames with
 * the most self time (and the same by package) over the load window only.
 */
async function profile(scenario: string): Promise<void> {
  if (!PROFILE_SCENARIOS.includes(scenario)) {
    throw new Error(`unknown profile scenario ${scenario}: one of ${PROFILE_SCENARIOS.join(', ')}`);
  }
  const profileName = 'service.cpuprofile';
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', '.', '--cpu-prof-name', profileName];
  // workDir does not exist before prepare(): the profile goes to the service's cwd, moved after.
  const environment = await prepare(scenario.startsWith('posts'), nodeArgs);
  const { service, seedData, token } = environment;
  const auth = { Authorization: `Bearer ${token}` };
  const loads: Record<string, Load> = {
    health: { port: service.port, path: '/health', connections: CONNECTIONS.read },
    'users-cached': {
      port: service.port,
      path: `/users/${seedData.targetUser}`,
      headers: auth,
      connections: CONNECTIONS.read,
    },
    'users-uncached': {
      port: service.port,
      path: '/users/',
      headers: auth,
      connections: CONNECTIONS.read,
      ids: new IdFeed('fresh users', seedData.freshUsers),
    },
    'users-first': {
      port: service.port,
      path: '/users?per_page=20',
      headers: auth,
      connections: CONNECTIONS.posts,
    },
    'posts-first': {
      port: service.port,
      path: '/posts',
      headers: auth,
      connections: CONNECTIONS.posts,
    },
    'posts-deep': {
      port: service.port,
      path: `/posts?cursor=${seedData.deepPostId > 0 ? new CursorCodec(JWT_SECRET).encode('posts', seedData.deepPostId) : ''}`,
      headers: auth,
      connections: CONNECTIONS.posts,
    },
    login: {
      port: service.port,
      path: '/auth/token',
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: LOGIN_EMAIL, password: LOGIN_PASSWORD }),
      connections: CONNECTIONS.login,
    },
  };
  const load = loads[scenario];
  log(`profile ${scenario}: warm-up ${WARMUP} s, then ${PROFILE_SECONDS} s under --cpu-prof`);
  await runWrk(load, Math.max(WARMUP, 3));
  const result = await runWrk(load, PROFILE_SECONDS);
  const loadEnded = Date.now();
  await stopProc(service);
  const tailMs = Date.now() - loadEnded;
  const source = join(ROOT, profileName);
  const kept = join(HERE, `${scenario}.cpuprofile`);
  mkdirSync(HERE, { recursive: true });
  copyFileSync(source, kept);
  rmSync(source, { force: true });
  log(
    `${fmtRps(result.rps)} req/s, p50 ${fmtMs(result.p50)} ms, p99 ${fmtMs(result.p99)} ms under the profiler`,
  );
  summariseProfile(
    JSON.parse(readFileSync(kept, 'utf8')) as CpuProfile,
    PROFILE_SECONDS * 1000,
    tailMs,
  );
  console.log(`\nprofile: ${kept} (open in Chrome DevTools > Performance, or speedscope)`);
}

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  if (path.startsWith(ROOT)) return path.slice(ROOT.length + 1);
  return path;
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8 builtins)';
  if (url.startsWith('node:')) return 'node: core';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.includes('/dist/src/')) return 'app (dist/src)';
  return path;
}

function summariseProfile(profile: CpuProfile, loadMs: number, tailMs: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Only the samples of the load window: [end - tail - load, end - tail].
  const windowEnd = profile.endTime - tailMs * 1000;
  const windowStart = windowEnd - loadMs * 1000;
  const self = new Map<string, number>();
  const packages = new Map<string, number>();
  let time = profile.startTime;
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    time += profile.timeDeltas[i];
    if (time < windowStart || time > windowEnd) continue;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const delta = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i];
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += delta;
      continue;
    }
    total += delta;
    const key = `${functionName || '(anonymous)'}  ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + delta);
  }
  const busy = total / (total + idle);
  console.log(
    `\nload window: ${(total / 1000).toFixed(0)} ms on the main thread busy, ${pct(busy)} of the window`,
  );
  const top = (map: Map<string, number>, n: number): string[][] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, value]) => [pct(value / total), key]);
  console.log('\n== Top self time, by frame (share of busy main-thread time) ==\n');
  console.log(table(['self', 'frame'], top(self, 30)));
  console.log('\n== Self time by package ==\n');
  console.log(table(['self', 'package'], top(packages, 20)));
}

// ---------------------------------------------------------------------------------------------

let environmentDb: pg.Pool | undefined;
const interrupted = async (): Promise<void> => {
  console.error('\ninterrupted: cleaning up');
  await cleanup(environmentDb);
  process.exit(130);
};
process.once('SIGINT', () => void interrupted());
process.once('SIGTERM', () => void interrupted());

const mainTimer = Date.now();
try {
  await main();
  log(`done in ${((Date.now() - mainTimer) / 1000).toFixed(0)} s`);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await cleanup(environmentDb);
}
process.exit(process.exitCode ?? 0);
