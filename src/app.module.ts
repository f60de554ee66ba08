import { DynamicModule, Module } from '@nestjs/common';
import type { Logger as PinoInstance } from 'pino';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ResourceCacheModule } from './cache/resource-cache.module.js';
import { MetricsRegistryModule } from './observability/metrics-registry.module.js';
import { REQUEST_PREFETCH } from './common/http/request-prefetch.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { AccessTokenVerifier } from './auth/access-token.verifier.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RedisModule } from './redis/redis.module.js';
import { JwtAuthGuard } from './auth/guards/jwt-auth.guard.js';
import { OwnerGuard } from './access/owner.guard.js';
import { ScopesGuard } from './access/scopes.guard.js';
import { CommonModule } from './common/common.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { createValidationPipe } from './common/validation/validation.pipe.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseTarget } from './database/database-target.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { loggerModule } from './observability/logger.module.js';
import { MailModule } from './mail/mail.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PostsModule } from './posts/posts.module.js';
import { UsersModule } from './users/users.module.js';

export interface AppModuleOptions {
  config: AppConfig;
  database: DatabaseTarget;
  /** The application's pino logger (observability/root-logger.ts). */
  logger: PinoInstance;
}

/**
 * Wires the feature modules and the cross-cutting rules, applied once and globally: guards in
 * order (rate limit, JWT authentication, scopes, ownership), the validation pipe and the error
 * filter. Controllers return the success envelope themselves (common/http/envelope.ts).
 */
@Module({})
export class AppModule {
  static forRoot({ config, database, logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggerModule(logger),
        DatabaseModule.forRoot(database, config),
        MetricsRegistryModule,
        RedisModule,
        ResourceCacheModule,
        RateLimitModule,
        CommonModule,
        IdempotencyModule,
        MailModule,
        HealthModule,
        ObservabilityModule,
        UsersModule,
        PostsModule,
        AuthModule,
        AccountsModule,
      ],
      providers: [
        // The first guard sends the request's cache reads with its rate-limit count.
        { provide: REQUEST_PREFETCH, useExisting: AccessTokenVerifier },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: ScopesGuard },
        { provide: APP_GUARD, useClass: OwnerGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
