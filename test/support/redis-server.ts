import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

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
/** Per server: a `sh` that SIGKILLs it when this process dies, however it dies (see watch()). */
const watchdogs = new WeakMap<ChildProcess, ChildProcess>();

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startRedisServer(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    try {
      const child = await spawnServer(port, dir, options.persistent === true);
      return handle(port, dir, child, options.persistent === true);
    } catch (error) {
      // Someone took the port between freePort() and the server's bind: try another one.
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`could not start redis-server: ${String(lastError)}`);
}

/** Kills every server started here that is still running (for afterAll). */
export async function stopAllRedisServers(): Promise<void> {
  await Promise.all([...running].map((child) => killChild(child)));
}

// Last resort if a test run is torn down without afterAll: never leave servers behind.
process.once('exit', () => {
  for (const child of running) {
    watchdogs.get(child)?.kill('SIGKILL');
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
    },
  };
}

async function spawnServer(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push(
    ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  );
  return spawnRedisProcess(port, args);
}

/**
 * `redis-server <args>` (which must make it listen on 127.0.0.1:`port`), watched so that it never
 * outlives this process, once it answers PING. For setups of several servers (Sentinel, Cluster):
 * stop it with killRedisProcess() or stopAllRedisServers().
 */
export async function spawnRedisProcess(port: number, args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  running.add(child);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (code ${code}, signal ${signal})`)),
    );
  });
  child.once('exit', () => {
    running.delete(child);
    // However it ended, its watchdog must never outlive it (the pid may be reused).
    watchdogs.get(child)?.kill('SIGKILL');
    watchdogs.delete(child);
  });
  try {
    watch(child);
    await Promise.race([waitForPong(port, 10_000), exited]);
  } catch (error) {
    await killChild(child);
    throw error;
  }
  exited.catch(() => undefined);
  return child;
}

/**
 * 'exit' handlers do not run when the test process is killed (a CI timeout, Jest ending a worker),
 * and the server would be left running. So a watchdog shell waits on a pipe from this process:
 * when the pipe closes because this process is gone, it SIGKILLs the server. On an orderly stop
 * the watchdog is killed first, so it can never signal a pid that has been reused since.
 */
function watch(child: ChildProcess): void {
  if (!child.pid) return;
  const watchdog = spawn('sh', ['-c', `read _ignored; kill -9 ${child.pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdogs.set(child, watchdog);
}

/** SIGKILLs a server from spawnRedisProcess() and waits until it is gone. */
export async function killRedisProcess(child: ChildProcess): Promise<void> {
  return killChild(child);
}

async function killChild(child: ChildProcess): Promise<void> {
  watchdogs.get(child)?.kill('SIGKILL');
  watchdogs.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL'); // also ends a stopped (SIGSTOP) process
  await gone;
}

async function waitForPong(port: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await pings(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
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
