import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { DATABASE_TARGET, type DatabaseTarget } from './database-target.js';

/** Any constant: the key of the advisory lock that lets one instance at a time migrate. */
const MIGRATION_LOCK_KEY = 7_301_845_521;

/** Applies pending migrations at start when RUN_MIGRATIONS is on (the default). */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(DATABASE_TARGET) private readonly database: DatabaseTarget,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.runMigrations) return;
    if (this.database.embedded) {
      // One process owns the embedded database.
      await this.migrate();
      return;
    }
    // Several instances may start at once against one server: a session-level advisory lock makes
    // them migrate one after another. It is held on a connection of its own, outside the pool,
    // which may have a single connection that the migrations themselves need.
    const lock = new Client({ connectionString: this.database.url, connectionTimeoutMillis: 5000 });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await this.migrate();
    } finally {
      await lock.end(); // ending the session releases the lock
    }
  }

  /** Whether migrations remain to be applied (the readiness probe asks). */
  hasPending(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  private async migrate(): Promise<void> {
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    }
  }
}
