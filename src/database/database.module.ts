import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DATABASE_TARGET, DatabaseTarget } from './database-target.js';
import { MigrationRunner } from './migration-runner.service.js';
import { typeOrmOptions } from './typeorm-options.js';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(target: DatabaseTarget, poolMax: number): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...typeOrmOptions(target, { poolMax }),
          // Fail fast at start instead of TypeORM's default of retrying for half a minute.
          retryAttempts: 0,
        }),
      ],
      providers: [{ provide: DATABASE_TARGET, useValue: target }, MigrationRunner],
      exports: [DATABASE_TARGET, MigrationRunner],
    };
  }
}
