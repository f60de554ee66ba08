import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import type { DatabaseTarget, PoolSettings } from './database-target.js';

/**
 * The connection options, without entities: the application loads each feature's from its
 * TypeOrmModule.forFeature (autoLoadEntities, database.module.ts); the TypeORM CLI lists them
 * (scripts/cli-data-source.ts).
 */
export function typeOrmOptions(
  { url, embedded }: DatabaseTarget,
  { poolMax, forMigrations = false, connectTimeoutMs = 3000 }: PoolSettings,
): DataSourceOptions {
  // Bounded waits so an unreachable database answers 503 instead of hanging a request:
  // connecting, and each query on the client side (for when the server cannot even answer).
  // The server-side timeouts (statement, lock, idle in transaction) are role settings, not
  // startup parameters, which PgBouncer refuses: see session-settings.ts.
  const timeouts = forMigrations ? {} : { query_timeout: 15_000 };
  return {
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: embedded ? 1 : poolMax,
      connectionTimeoutMillis: connectTimeoutMs,
      ...timeouts,
    },
  };
}
