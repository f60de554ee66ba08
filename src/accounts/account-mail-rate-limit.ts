import { HttpException, HttpStatus } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { MailOutbox } from '../mail/mail-outbox.service.js';

/** Reset and verification mails per address are counted over this window. */
export const ACCOUNT_MAIL_WINDOW_SECONDS = 3600;

/** 429 for an address that has had ACCOUNT_MAIL_RATE_LIMIT_MAX account mails this hour. */
export class AccountMailRateLimited extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'Too many account emails requested for this address; try again later',
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Refuses a reset or verification mail to `recipient` once it has had `max` of this kind in the
 * window. Counted in mail_outbox, so every instance sees the same count and the limit holds
 * without Redis; the same for addresses with and without an account.
 */
export async function limitAccountMail(
  outbox: MailOutbox,
  manager: EntityManager,
  mail: { kind: string; recipient: string; max: number },
): Promise<void> {
  const { kind, recipient, max } = mail;
  const window = ACCOUNT_MAIL_WINDOW_SECONDS;
  if ((await outbox.countRecent(manager, kind, recipient, window)) < max) return;
  throw new AccountMailRateLimited(await outbox.secondsUntilSlotFrees(kind, recipient, window));
}
