import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountMailComposers } from './account-mail.composers.js';
import { AccountTokens } from './account-tokens.service.js';
import { AccountsController } from './accounts.controller.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordResetService } from './password-reset.service.js';

/** The account lifecycle around the credentials: password reset and email verification. */
@Module({
  imports: [UsersModule, MailModule],
  controllers: [AccountsController],
  providers: [AccountTokens, AccountMailComposers, PasswordResetService, EmailVerificationService],
})
export class AccountsModule {}
