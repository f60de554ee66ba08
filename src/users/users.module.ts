import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module.js';
import { PasswordService } from './password.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UserLifecycle } from './user-lifecycle.js';
import { UserOwnership } from './user-ownership.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User]), SessionsModule],
  controllers: [UsersController],
  providers: [UsersService, PasswordService, UserOwnership, UserLifecycle],
  exports: [UsersService, PasswordService, UserLifecycle],
})
export class UsersModule {}
