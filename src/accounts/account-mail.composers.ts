import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { MailComposers } from '../mail/mail-composers.js';
import type { ComposedMail, QueuedMail } from '../mail/mail-message.js';
import { UsersService } from '../users/users.service.js';
import {
  PASSWORD_RESET_MAIL,
  PASSWORD_RESET_PATH,
  VERIFY_EMAIL_MAIL,
  VERIFY_EMAIL_PATH,
} from './account-mail.js';
import { AccountTokens } from './account-tokens.service.js';

/**
 * Renders account mail when it is sent, not when it is queued: the token is made then (so the
 * queue never holds one, and a link delayed by an SMTP outage still gets its whole lifetime),
 * and a message that no longer applies is dropped rather than sent.
 */
@Injectable()
export class AccountMailComposers implements OnModuleInit {
  constructor(
    private readonly composers: MailComposers,
    private readonly tokens: AccountTokens,
    private readonly users: UsersService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.composers.register(VERIFY_EMAIL_MAIL, (mail, manager) => this.verification(mail, manager));
    this.composers.register(PASSWORD_RESET_MAIL, (mail, manager) => this.reset(mail, manager));
  }

  /** Dropped if the account is gone, has another address now, or is verified already. */
  private async verification(
    mail: QueuedMail,
    manager: EntityManager,
  ): Promise<ComposedMail | null> {
    const user = await this.users.findForLogin(mail.recipient);
    if (!user || user.id !== mail.userId || user.emailVerified) return null;
    const ttl = this.config.accounts.emailVerificationTtlSeconds;
    const token = await this.tokens.issue(manager, 'verify_email', user, ttl);
    const link = this.link(VERIFY_EMAIL_PATH, token);
    return {
      to: user.email,
      subject: 'Verify your email address',
      link,
      text: [
        `Hello ${user.name},`,
        '',
        'Please confirm that this is your email address by opening this link:',
        '',
        link,
        '',
        `The link works once and expires in ${describeDuration(ttl)}.`,
        'If you did not create an account or change your address, ignore this message.',
      ].join('\n'),
    };
  }

  /** Queued for any address (the request must not tell whether an account exists): dropped if none. */
  private async reset(mail: QueuedMail, manager: EntityManager): Promise<ComposedMail | null> {
    const user = await this.users.findForLogin(mail.recipient);
    if (!user) return null;
    const ttl = this.config.accounts.passwordResetTtlSeconds;
    const token = await this.tokens.issue(manager, 'password_reset', user, ttl);
    const link = this.link(PASSWORD_RESET_PATH, token);
    return {
      to: user.email,
      subject: 'Reset your password',
      link,
      text: [
        `Hello ${user.name},`,
        '',
        'Someone asked to reset the password of your account. To choose a new password, open this link:',
        '',
        link,
        '',
        `The link works once and expires in ${describeDuration(ttl)}. Using it signs you out everywhere.`,
        'If you did not ask for this, ignore this message: your password stays as it is.',
      ].join('\n'),
    };
  }

  private link(path: string, token: string): string {
    return `${this.config.accounts.publicUrl}${path}?token=${token}`;
  }
}

function describeDuration(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}
