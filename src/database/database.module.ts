import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LAGGING_READS } from '../common/pagination/lagging-reads.js';
import type { AppConfig } from '../config/app-config.js';
import { DATABASE_TARGET, DatabaseTarget } from './database-target.js';
import { MigrationRunner } from './migration-runner.service.js';
import { ReplicaReads } from './replica-reads.service.js';
import { applySessionSettings, sessionTimeouts } from './session-settings.js';
import { typeOrmOptions } from './typeorm-options.js';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(target: DatabaseTarget, config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: async () => {
            // Before the pool opens its first session, which then starts with them.
            if (!target.embedded) {
              await applySessionSettings(target.url, sessionTimeouts(config.databaseLockTimeoutMs));
            }
            return {
              ...typeOrmOptions(target, { poolMax: config.databasePoolMax }),
              // Every feature module registers its own entities (TypeOrmModule.forFeature).
              autoLoadEntities: true,
              // Fail fast at start instead of TypeORM's default of retrying for half a minute.
              retryAttempts: 0,
            };
          },
        }),
      ],
      providers: [
        { provide: DATABASE_TARGET, useValue: target },
        MigrationRunner,
        ReplicaReads,
        { provide: LAGGING_READS, useExisting: ReplicaReads },
      ],
      exports: [DATABASE_TARGET, MigrationRunner, ReplicaReads, LAGGING_READS],
    };
  }
}
