import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitPortFree } from './fixed-port.js';
import { freePort } from './free-port.js';
import { startWatchdog } from './watchdog.js';

/**
 * A private redis-server child process for one test, to pause (SIGSTOP), resume (SIGCONT), kill
 * (SIGKILL) and restart on the same port without disturbing the shared Redis or other tests.
 * It needs `redis-server` and `sh` (the watchdog, below) on PATH, so only the engine suites
 * (test/engines/) use it: `npm test` needs nothing but Node.js (eslint.config.mjs keeps this
 * module out of the unit and end-to-end tests).
 */
export interface PrivateRedis {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** Freezes the server: connections stay open, nothing is answered (SIGSTOP). */
  pause(): void;
  /** Undoes pause() (SIGCONT). */
  resume(): void;
  /** SIGKILL, then waits for the process to be gone. Its data is lost unless `persistent`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (after kill()), and waits until it answers. */
  restart(): Promise<void>;
  /** Kills the server (if running) and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /**
   * Keep the data across kill() and restart(): append-only file, fsync on every write. Without it
   * (the default) the server keeps nothing on disk, and a restart starts empty.
   */
  persistent?: boolean;
}

const running = new Set<ChildProcess>();
/** Per server: releases its watchdog (startWatchdog), which SIGKILLs it if this process dies. */
const watchdogs = new WeakMap<ChildProcess, () => void>();
const logs = new WeakMap<ChildProcess, string[]>();
const LOG_LINES = 200;
/** Set by stopAllRedisServers(). */
let closed = false;
/** The data directories of startRedisServer()'s servers not stopped yet. */
const dirs = new Set<string>();

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startRedisServer(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    try {
      const child = await spawnServer(port, dir, options.persistent === true);
      dirs.add(dir);
      return handle(port, dir, child, options.persistent === true);
    } catch (error) {
      // Someone took the port between freePort() and the server's bind: try another one.
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`could not start redis-server: ${String(lastError)}`);
}

/**
 * Kills every server started here that is still running (for afterAll) and removes the data
 * directories of startRedisServer()'s, and refuses to start any more through
 * spawnRedisProcess(): a beforeAll or a test that Jest gave up on (its timeout) may still be
 * running, and must not leave a server behind on the suite's fixed ports.
 */
export async function stopAllRedisServers(): Promise<void> {
  closed = true;
  await Promise.all([...running].map((child) => killChild(child)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** The last `lines` lines a server from spawnRedisProcess() logged, running or not. */
export function redisLog(child: ChildProcess, lines = 30): string {
  return (logs.get(child) ?? []).slice(-lines).join('\n');
}

// Last resort if a test run is torn down without afterAll: never leave servers behind.
process.once('exit', () => {
  for (const child of running) {
    watchdogs.get(child)?.();
    child.kill('SIGKILL');
  }
});

function handle(port: number, dir: string, first: ChildProcess, persistent: boolean): PrivateRedis {
  let child: ChildProcess | undefined = first;
  let stopped = false;
  const signal = (name: NodeJS.Signals): void => {
    if (!child?.pid) throw new Error(`redis-server on port ${port} is not running`);
    process.kill(child.pid, name);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async kill() {
      if (child) await killChild(child);
      child = undefined;
    },
    async restart() {
      if (stopped) throw new Error('redis-server was stopped for good');
      if (child) throw new Error(`redis-server on port ${port} is still running`);
      child = await spawnServer(port, dir, persistent);
    },
    async stop() {
      stopped = true;
      if (child) await killChild(child);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

async function spawnServer(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push(
    ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  );
  return spawnChild(port, args);
}

/**
 * `redis-server <args>` (which must make it listen on 127.0.0.1:`port`, and on `alsoBinds`, such
 * as a cluster bus port), watched so that it never outlives this process, once it answers PING.
 * For setups of several servers on fixed ports (Sentinel, Cluster): waits for the ports to be
 * free, and fails naming their holder if they stay taken. Stop it with killRedisProcess() or
 * stopAllRedisServers().
 */
export async function spawnRedisProcess(
  port: number,
  args: string[],
  alsoBinds: readonly number[] = [],
): Promise<ChildProcess> {
  if (closed) throw new Error(`redis-server on port ${port}: this suite has stopped its servers`);
  for (const taken of [port, ...alsoBinds]) await awaitPortFree(taken);
  return spawnChild(port, args);
}

async function spawnChild(port: number, args: string[]): Promise<ChildProcess> {
  // Its log (stdout unless a logfile is set), kept for the error messages of the tests.
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const log: string[] = [];
  logs.set(child, log);
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      log.push(...lines);
      if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
    });
  }
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    // 'close' comes once its output has been read to the end: the reason is its last line.
    child.once('close', (code, signal) =>
      reject(
        new Error(
          `redis-server on port ${port} exited (code ${code}, signal ${signal}); its last lines:\n` +
            redisLog(child, 15),
        ),
      ),
    );
  });
  child.once('exit', () => {
    running.delete(child);
    // However it ended, its watchdog must never outlive it (the pid may be reused).
    watchdogs.get(child)?.();
    watchdogs.delete(child);
  });
  try {
    watch(child);
    await Promise.race([waitForPong(port, 20_000, () => redisLog(child, 15)), exited]);
  } catch (error) {
    await killChild(child);
    throw error;
  }
  exited.catch(() => undefined);
  return child;
}

/** A watchdog that SIGKILLs the server if this process dies without stopping it. */
function watch(child: ChildProcess): void {
  if (child.pid) watchdogs.set(child, startWatchdog(`kill -9 ${child.pid} 2>/dev/null`));
}

/** SIGKILLs a server from spawnRedisProcess() and waits until it is gone. */
export async function killRedisProcess(child: ChildProcess): Promise<void> {
  return killChild(child);
}

async function killChild(child: ChildProcess): Promise<void> {
  watchdogs.get(child)?.();
  watchdogs.delete(child);
  // No pid: it never started (spawn failed), and no 'exit' will come.
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL'); // also ends a stopped (SIGSTOP) process
  await gone;
}

async function waitForPong(port: number, withinMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await pings(port)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `redis-server on port ${port} did not answer PING within ${withinMs} ms; its last lines:\n${log()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One PING over a raw connection; true on +PONG or NOAUTH (false while loading or not listening). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      // A server that requires a password answers NOAUTH: it is up too.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}
