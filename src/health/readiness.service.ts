import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { MigrationRunner } from '../database/migration-runner.service.js';
import { REDIS_CONNECTION, type RedisConnection } from '../redis/redis-connection.js';
import { ShutdownState } from './shutdown-state.js';

/** Longest the readiness probe waits for the database before calling it down. */
const DATABASE_TIMEOUT_MS = 1000;

/**
 * What /ready checks, with terminus: shutdown has not begun, the database answers within a
 * second, and no migration is pending. Redis is reported (connected or not, the mode, and the
 * role and address of the server commands go to) but never fails readiness: without it the service still answers, from the database.
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationRunner,
    private readonly shutdown: ShutdownState,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection | null,
  ) {}

  check() {
    return this.health.check([
      () => {
        const session = this.indicators.check('shutdown');
        return this.shutdown.draining ? session.down({ draining: true }) : session.up();
      },
      () => this.database.pingCheck('database').withTimeout(DATABASE_TIMEOUT_MS),
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
