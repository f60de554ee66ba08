import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { MailOutbox } from '../mail/mail-outbox.service.js';
import { UsersService } from '../users/users.service.js';
import { PASSWORD_RESET_MAIL } from './account-mail.js';
import { limitAccountMail } from './account-mail-rate-limit.js';
import { AccountTokens, invalidAccountToken } from './account-tokens.service.js';

/** Forgotten passwords: a mailed single-use link, then a new password that ends every session. */
@Injectable()
export class PasswordResetService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly outbox: MailOutbox,
    private readonly tokens: AccountTokens,
    private readonly users: UsersService,
  ) {}

  /**
   * Queues a reset mail for `email`. The request runs the same two statements whether or not
   * an account has this address (the per-address count and the insert) and never looks the
   * account up: the worker does, after the answer has left, and drops the message if there is
   * none. So neither the answer nor its timing can tell whether the account exists; nor can
   * the limit, which counts requests per address, not per account.
   */
  async request(email: string): Promise<void> {
    const manager = this.dataSource.manager;
    await limitAccountMail(this.outbox, manager, {
      kind: PASSWORD_RESET_MAIL,
      recipient: email,
      max: this.config.accounts.mailRateLimitMax,
    });
    await this.outbox.enqueue(manager, { kind: PASSWORD_RESET_MAIL, recipient: email });
    this.outbox.committed();
  }

  /**
   * Spends the token, sets the password, ends every session and marks the address verified (the
   * link proved control of it). The token is spent first, by one conditional UPDATE, so two
   * requests with one link cannot both set a password. A link sent to an address the account no
   * longer has is refused.
   */
  async confirm(token: string, password: string): Promise<void> {
    const redeemed = await this.tokens.redeem(this.dataSource.manager, 'password_reset', token);
    if (!redeemed) throw invalidAccountToken();
    const user = await this.users.findForLogin(redeemed.email);
    if (!user || user.id !== redeemed.userId) throw invalidAccountToken();
    // The new password ends every session and access token (UsersService.changePassword); the
    // account's other reset links die in the same transaction.
    await this.users.changePassword(user.publicId, password, {
      inTransaction: (manager, userId) => this.tokens.spendAll(manager, 'password_reset', userId),
    });
    await this.users.markEmailVerified(user.id, redeemed.email);
  }
}
