import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_TARGET, type DatabaseTarget } from '../database/database-target.js';

/** Longest the probe waits to connect, and for its query, before calling the database down. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * The readiness probe's own connection to the database, outside the application's pool: a pool
 * whose every connection waits on a lock (or a slow query) is busy, not down, and must not take
 * the instance out of the load balancer. One client, connected on first use and again after any
 * failure; concurrent probes share one round trip, so the probe never holds more than one
 * connection. Hand-written rather than terminus's TypeORM ping, which borrows from the pool.
 */
@Injectable()
export class DatabaseProbe implements OnModuleDestroy {
  private client?: Client;
  private pending?: Promise<void>;

  constructor(@Inject(DATABASE_TARGET) private readonly database: DatabaseTarget) {}

  ping(): Promise<void> {
    this.pending ??= this.roundTrip().finally(() => (this.pending = undefined));
    return this.pending;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pending?.catch(() => undefined);
    await this.drop();
  }

  private async roundTrip(): Promise<void> {
    try {
      this.client ??= await this.connect();
      await this.client.query('SELECT 1');
    } catch (error) {
      await this.drop();
      throw error;
    }
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.database.url,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      query_timeout: PROBE_TIMEOUT_MS,
      application_name: 'readiness-probe',
    });
    // A broken connection is replaced at the next probe; the error itself is the probe's answer.
    client.on('error', () => void this.drop());
    await client.connect();
    return client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
