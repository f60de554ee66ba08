import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ResourceCacheModule } from '../cache/resource-cache.module.js';
import { CommonModule } from '../common/common.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { MailModule } from '../mail/mail.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { PasswordService } from './password.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UserLifecycle } from './user-lifecycle.js';
import { UserOwnership } from './user-ownership.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    SessionsModule,
    CommonModule,
    ResourceCacheModule,
    IdempotencyModule,
    MailModule,
    RateLimitModule,
  ],
  controllers: [UsersController],
  providers: [UsersService, PasswordService, UserOwnership, UserLifecycle],
  exports: [UsersService, PasswordService, UserLifecycle],
})
export class UsersModule {}
