import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from './built-service.js';
import { engineDir, engineUser } from './postgres-cluster.js';

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
  ) {}

  static async start(options: {
    port: number;
    backendPort: number;
    database: string;
    users: string[];
  }): Promise<PgBouncer> {
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
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const bouncer = new PgBouncer(options.port, dir, child, exited);
    await eventually(async () => {
      const client = new Client({
        connectionString: bouncer.url(options.database, options.users[0]),
      });
      await client.connect();
      await client.end();
      return true;
    });
    return bouncer;
  }

  url(database: string, user: string): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGINT');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
