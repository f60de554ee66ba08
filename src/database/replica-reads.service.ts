import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { typeOrmOptions } from './typeorm-options.js';

/** A replica that cannot be reached gives up this fast; the primary serves instead. */
const REPLICA_CONNECT_TIMEOUT_MS = 1000;
/** After a failure a replica is left alone this long, so requests do not each pay its timeout. */
const REPLICA_BACKOFF_MS = 5000;

/** One streaming replica: its own pool, opened on first use, skipped for a while after a failure. */
class Replica {
  private dataSource?: DataSource;
  private opening?: Promise<DataSource>;
  private downUntil = 0;

  constructor(
    readonly url: string,
    private readonly poolMax: number,
    /** The primary's entities (the features registered them), for the same metadata. */
    private readonly entities: DataSourceOptions['entities'],
  ) {}

  get available(): boolean {
    return Date.now() >= this.downUntil;
  }

  open(): Promise<DataSource> {
    if (this.dataSource?.isInitialized) return Promise.resolve(this.dataSource);
    this.opening ??= this.initialize().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** Returns whether it was taken as up until now (to log the change once). */
  markDown(): boolean {
    const wasUp = this.available;
    this.downUntil = Date.now() + REPLICA_BACKOFF_MS;
    return wasUp;
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
  }

  private async initialize(): Promise<DataSource> {
    const dataSource = new DataSource({
      ...typeOrmOptions(
        { url: this.url, embedded: false },
        { poolMax: this.poolMax, connectTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS },
      ),
      entities: this.entities,
      // A standby is read-only: TypeORM must not try to create extensions there.
      installExtensions: false,
    } as DataSourceOptions);
    await dataSource.initialize();
    this.dataSource = dataSource;
    return dataSource;
  }
}

/**
 * Routes the reads that may lag (list pages) to DATABASE_REPLICA_URLS, round robin. Everything
 * else stays on the primary: reads by id (they feed the cache, whose promise is that no read
 * after a write shows an older value), authentication, reads inside a transaction and every
 * read a write makes. A replica that is down, refuses or fails a read is skipped for a few
 * seconds and the read runs again on the primary, so no request fails because of a replica.
 *
 * Written here rather than with TypeORM's `replication` option: that one connects to every
 * replica at start (one down replica stops the service) and has no fallback to the primary.
 */
@Injectable()
export class ReplicaReads implements OnModuleDestroy {
  private readonly logger = new Logger(ReplicaReads.name);
  private readonly replicas: Replica[];
  private next = 0;

  constructor(@InjectConfig() config: AppConfig, @InjectDataSource() primary: DataSource) {
    this.replicas = config.databaseReplicaUrls.map(
      (url) => new Replica(url, config.databasePoolMax, primary.options.entities),
    );
  }

  /**
   * Runs `read` with a query runner on a replica, or with none (the primary) when no replica is
   * configured or available, or when the replica failed it. `read` must only read: it may run
   * twice.
   */
  async lagging<T>(read: (replica: QueryRunner | undefined) => Promise<T>): Promise<T> {
    const replica = this.pick();
    if (!replica) return read(undefined);
    let runner: QueryRunner | undefined;
    try {
      runner = (await replica.open()).createQueryRunner();
      return await read(runner);
    } catch (error) {
      if (replica.markDown()) {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(
          `Read replica ${redacted(replica.url)} skipped, reading from the primary: ${reason}`,
        );
      }
      return read(undefined);
    } finally {
      await runner?.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.close()));
  }

  private pick(): Replica | undefined {
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const replica = this.replicas[this.next % this.replicas.length];
      this.next += 1;
      if (replica.available) return replica;
    }
    return undefined;
  }
}

/** The URL without its password, for logs. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'replica';
  }
}
