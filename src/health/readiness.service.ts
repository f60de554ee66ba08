import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { MigrationRunner } from '../database/migration-runner.service.js';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection.js';
import { DATABASE_TARGET, type DatabaseTarget } from '../database/database-target.js';
import { DatabaseProbe } from './database-probe.js';
import { ShutdownState } from './shutdown-state.js';

/** Longest the readiness probe waits for the database before calling it down. */
const DATABASE_TIMEOUT_MS = 1000;

/**
 * What /ready checks, with terminus: shutdown has not begun, the database answers within a
 * second, and no migration is pending. Redis is reported (connected or not, the mode, and the
 * role and address of the server commands go to) but never fails readiness: without it the
 * service still answers, from the database. Read replicas are not checked: lists fall back to the
 * primary without them.
 *
 * The database is asked on the probe's own connection (database-probe.ts), never through the
 * application's pool, so a busy pool is not mistaken for a database that is down. The embedded
 * database serves one session, so there the pool is asked.
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationRunner,
    private readonly shutdown: ShutdownState,
    private readonly probe: DatabaseProbe,
    @Inject(DATABASE_TARGET) private readonly target: DatabaseTarget,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | null,
  ) {}

  check() {
    return this.health.check([
      () => {
        const session = this.indicators.check('shutdown');
        return this.shutdown.draining ? session.down({ draining: true }) : session.up();
      },
      () =>
        this.target.embedded
          ? this.database.pingCheck('database').withTimeout(DATABASE_TIMEOUT_MS)
          : this.indicators
              .check('database')
              .attempt(() => this.probe.ping())
              .withTimeout(DATABASE_TIMEOUT_MS),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            if (await this.migrations.hasPending()) throw new Error('migrations are pending');
          })
          .withTimeout(DATABASE_TIMEOUT_MS),
      () =>
        this.indicators
          .check('redis')
          .up(this.redis ? { ...this.redis.status() } : { configured: false }),
    ]);
  }
}
