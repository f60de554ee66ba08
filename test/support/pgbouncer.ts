import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { awaitPortFree } from './fixed-port.js';
import { engineDir, engineUser, lastLines } from './postgres-cluster.js';
import { startWatchdog } from './watchdog.js';

/**
 * A private PgBouncer in transaction mode in front of one database, with the package's default
 * settings otherwise (no ignore_startup_parameters, no max_prepared_statements): what an
 * operator gets out of the box. Trust authentication for the test's users.
 */
export class PgBouncer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly releaseWatchdog: () => void,
  ) {}

  static async start(options: {
    port: number;
    backendPort: number;
    database: string;
    users: string[];
  }): Promise<PgBouncer> {
    await awaitPortFree(options.port);
    const dir = engineDir('pgbouncer-');
    writeFileSync(
      join(dir, 'userlist.txt'),
      options.users.map((user) => `"${user}" ""\n`).join(''),
    );
    const ini = join(dir, 'pgbouncer.ini');
    writeFileSync(
      ini,
      [
        '[databases]',
        `${options.database} = host=127.0.0.1 port=${options.backendPort} dbname=${options.database}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${options.port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    const child = spawn('pgbouncer', [ini], { ...engineUser(), stdio: 'ignore' });
    let gone = false;
    const exited = new Promise<void>((resolve) => {
      const done = () => {
        gone = true;
        resolve();
      };
      child.on('exit', done);
      // Could not be started at all (no 'exit' follows).
      child.on('error', done);
    });
    const release = child.pid ? startWatchdog(`kill -9 ${child.pid} 2>/dev/null`) : () => {};
    const bouncer = new PgBouncer(options.port, dir, child, exited, release);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new Client({
        connectionString: bouncer.url(options.database, options.users[0]),
      });
      try {
        await client.connect();
        await client.end();
        break;
      } catch (error) {
        if (!gone && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        const log = lastLines(join(dir, 'pgbouncer.log'), 15);
        await bouncer.stop('SIGKILL');
        const state = gone ? 'exited' : 'still running after 30 s';
        throw new Error(
          `pgbouncer on port ${options.port} ${state}, accepting no connection (${(error as Error).message}); its log ends:\n${log}`,
          { cause: error },
        );
      }
    }
    return bouncer;
  }

  url(database: string, user: string): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  /** SIGINT is PgBouncer's safe shutdown: it waits for the clients' transactions to end. */
  async stop(signal: 'SIGINT' | 'SIGKILL' = 'SIGINT'): Promise<void> {
    this.releaseWatchdog();
    if (this.child.pid && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
