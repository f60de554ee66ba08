import type { EntityManager } from 'typeorm';
import type { MailOutbox } from '../mail/mail-outbox.service.js';

/** Mail kinds of the account lifecycle (composed by AccountMailComposers). */
export const VERIFY_EMAIL_MAIL = 'verify_email';
export const PASSWORD_RESET_MAIL = 'password_reset';

/** Where the links in account mail point: pages of the front end at PUBLIC_URL. */
export const VERIFY_EMAIL_PATH = '/verify-email';
export const PASSWORD_RESET_PATH = '/reset-password';

/**
 * Queues the verification mail of `user`'s current address, in the caller's transaction (the
 * sign-up or the email change that makes it needed). Call outbox.committed() after the commit.
 */
export function queueVerificationMail(
  outbox: MailOutbox,
  manager: EntityManager,
  user: { id: number; email: string },
): Promise<void> {
  return outbox.enqueue(manager, {
    kind: VERIFY_EMAIL_MAIL,
    recipient: user.email,
    userId: user.id,
  });
}
