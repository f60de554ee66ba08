import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MigrationExecutor, type Migration } from 'typeorm';
import { isLockNotAvailable } from '../common/errors/database-error.js';
import { StartupError } from '../config/startup-error.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { DATABASE_TARGET, type DatabaseTarget } from './database-target.js';

/** Any constant: the key of the advisory lock that lets one instance at a time migrate. */
export const MIGRATION_LOCK_KEY = 7_301_845_521;

/** Thrown when another instance held the migration lock too long; main prints its message. */
export class MigrationLockTimeoutError extends StartupError {
  override name = 'MigrationLockTimeoutError';
}

/** Applies pending migrations at start when RUN_MIGRATIONS is on (the default). */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);
  /** Once this build's migrations are known to be applied, they stay so: no need to ask again. */
  private applied = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(DATABASE_TARGET) private readonly database: DatabaseTarget,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.runMigrations) return;
    const applied = this.database.embedded
      ? // One process owns the embedded database: nobody to wait for.
        await this.dataSource.runMigrations({ transaction: 'each' })
      : await this.migrateUnderLock();
    if (applied.length > 0) {
      this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    }
    this.applied = true;
  }

  /**
   * Whether migrations remain to be applied (the readiness probe asks). Asked of the database
   * (through the pool) only until they are found applied, as with RUN_MIGRATIONS=false while a
   * Job runs them: a busy pool must not fail readiness afterwards.
   */
  async hasPending(): Promise<boolean> {
    if (this.applied) return false;
    this.applied = !(await this.dataSource.showMigrations());
    return !this.applied;
  }

  /**
   * Several instances may start at once against one server: they migrate one after another
   * under an advisory lock. The lock is transaction-scoped (pg_advisory_xact_lock) and the
   * pending migrations run in that same transaction, so it works through a transaction pooler
   * such as PgBouncer, which may give every transaction another server session (a session lock
   * would stay on a pooled session that is never closed). A waiter gives up after
   * MIGRATION_LOCK_TIMEOUT_SECONDS (lock_timeout), then sees the winner's migrations applied.
   * All pending migrations commit together or not at all.
   */
  private async migrateUnderLock(): Promise<Migration[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const waitMs = this.config.migrationLockTimeoutSeconds * 1000;
      await runner.query(`SET LOCAL lock_timeout = ${waitMs}`);
      try {
        await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      } catch (error) {
        if (!isLockNotAvailable(error)) throw error;
        throw new MigrationLockTimeoutError(
          `Migrations: another session held the migration lock (pg_advisory_xact_lock ${MIGRATION_LOCK_KEY}) for more than MIGRATION_LOCK_TIMEOUT_SECONDS=${this.config.migrationLockTimeoutSeconds}; giving up`,
        );
      }
      // Index builds may take long: no statement or lock timeouts for the migrations themselves.
      await runner.query('SET LOCAL lock_timeout = 0');
      await runner.query('SET LOCAL statement_timeout = 0');
      await runner.query('SET LOCAL idle_in_transaction_session_timeout = 0');
      const executor = new MigrationExecutor(this.dataSource, runner);
      executor.transaction = 'all'; // within the transaction already open: it starts none
      const applied = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return applied;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
