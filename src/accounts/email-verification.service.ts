import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuthenticatedUser } from '../access/authenticated-user.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { MailOutbox } from '../mail/mail-outbox.service.js';
import { UserLifecycle } from '../users/user-lifecycle.js';
import { UsersService } from '../users/users.service.js';
import { queueVerificationMail, VERIFY_EMAIL_MAIL } from './account-mail.js';
import { limitAccountMail } from './account-mail-rate-limit.js';
import { AccountTokens, invalidAccountToken } from './account-tokens.service.js';

/** Proof of control of an address: the link mailed at sign-up, on an email change, or on request. */
@Injectable()
export class EmailVerificationService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly outbox: MailOutbox,
    private readonly tokens: AccountTokens,
    private readonly users: UsersService,
    private readonly lifecycle: UserLifecycle,
  ) {}

  /** A new, unverified address (sign-up, email change) gets its link in the user's transaction. */
  onModuleInit(): void {
    this.lifecycle.register({
      onEmailUnverified: (manager, user) => queueVerificationMail(this.outbox, manager, user),
    });
  }

  /** Spends the token and verifies the address it was sent to, if the account still has it. */
  async verify(token: string): Promise<void> {
    const redeemed = await this.tokens.redeem(this.dataSource.manager, 'verify_email', token);
    if (!redeemed || !(await this.users.markEmailVerified(redeemed.userId, redeemed.email))) {
      throw invalidAccountToken();
    }
  }

  /** Mails a new link to the caller's address, unless it is verified already; limited per address. */
  async resend(caller: AuthenticatedUser): Promise<void> {
    const user = (await this.users.findOne(caller.publicId)).value;
    const manager = this.dataSource.manager;
    await limitAccountMail(this.outbox, manager, {
      kind: VERIFY_EMAIL_MAIL,
      recipient: user.email,
      max: this.config.accounts.mailRateLimitMax,
    });
    if (user.emailVerified) return;
    await queueVerificationMail(this.outbox, manager, user);
    this.outbox.committed();
  }
}
