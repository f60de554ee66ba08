import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { awaitPortFree } from './fixed-port.js';
import { startWatchdog } from './watchdog.js';

/** PostgreSQL 15's own binaries (Debian's postgresql-15 package). */
export const POSTGRES_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * The OS user engines run as: PostgreSQL (and PgBouncer) refuse to run as root, so a root test
 * run starts them as `postgres`; any other user runs them as itself.
 */
export function engineUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A directory under the system temp dir that the engine user owns. */
export function engineDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const user = engineUser();
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

export async function runAsEngineUser(command: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, {
    ...engineUser(),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
  });
  return stdout;
}

/**
 * A private PostgreSQL cluster on 127.0.0.1:`port`, trust authentication, data under a temp
 * dir removed by destroy(). `replicaOf` makes it a streaming replica (pg_basebackup -R) of
 * another cluster instead of a fresh initdb.
 */
export class PostgresCluster {
  private releaseWatchdog?: () => void;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  private get data(): string {
    return join(this.dir, 'data');
  }

  static async create(port: number): Promise<PostgresCluster> {
    await awaitPortFree(port);
    const cluster = new PostgresCluster(port, engineDir('pg-cluster-'));
    try {
      await runAsEngineUser(join(POSTGRES_BIN, 'initdb'), [
        '-D',
        cluster.data,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      cluster.configure();
      await cluster.start();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  static async replicaOf(primary: PostgresCluster, port: number): Promise<PostgresCluster> {
    await awaitPortFree(port);
    const replica = new PostgresCluster(port, engineDir('pg-replica-'));
    try {
      await runAsEngineUser(join(POSTGRES_BIN, 'pg_basebackup'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        'postgres',
        '-D',
        replica.data,
        '-R', // standby.signal and primary_conninfo: start as a streaming replica
        '-X',
        'stream',
        '--checkpoint=fast', // a spread checkpoint would take minutes
        '--no-sync',
      ]);
      replica.configure();
      await replica.start();
    } catch (error) {
      await replica.destroy();
      throw error;
    }
    return replica;
  }

  url(database = 'postgres', user = 'postgres'): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  /**
   * pg_ctl start; the server is a daemon, so a watchdog stops it (SIGQUIT: immediate shutdown)
   * if this process dies without stop(), rather than leave it on its port for the next run.
   */
  async start(): Promise<void> {
    const log = join(this.dir, 'server.log');
    try {
      await runAsEngineUser(join(POSTGRES_BIN, 'pg_ctl'), [
        '-D',
        this.data,
        '-l',
        log,
        '-w',
        'start',
      ]);
    } catch (error) {
      throw new Error(
        `PostgreSQL on port ${this.port} did not start: ${(error as Error).message.trim()}\n` +
          `its log ends:\n${lastLines(log, 15)}`,
        { cause: error },
      );
    }
    const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    this.releaseWatchdog = startWatchdog(`kill -QUIT ${pid} 2>/dev/null`);
  }

  /** `immediate` is a crash: clients see their connections cut, as when a server dies. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.releaseWatchdog?.();
    this.releaseWatchdog = undefined;
    await runAsEngineUser(join(POSTGRES_BIN, 'pg_ctl'), [
      '-D',
      this.data,
      '-m',
      mode,
      '-w',
      'stop',
    ]);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  async query<T = Record<string, unknown>>(
    sql: string,
    parameters: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Later lines of postgresql.auto.conf win, also over what pg_basebackup copied. */
  private configure(): void {
    appendFileSync(
      join(this.data, 'postgresql.auto.conf'),
      [
        `port = ${this.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${this.dir}'`,
        'max_connections = 60',
        'shared_buffers = 16MB',
        // Test data: durability is not the point, speed on a shared machine is.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
  }
}

/** The last `count` lines of a log file, for an error message. */
export function lastLines(file: string, count: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch (error) {
    return `(${(error as Error).message})`;
  }
}
