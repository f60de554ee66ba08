import type { EntityManager } from 'typeorm';

/**
 * What a change asks to be mailed, as the outbox stores it. It carries no secret: a message's
 * text and links are made when it is sent (MailComposers), so the queue never holds a token.
 */
export interface MailRequest {
  /** Which composer renders it, e.g. `verify_email`. */
  readonly kind: string;
  /** The address the request names; the composer decides whether it is still right to mail. */
  readonly recipient: string;
  /** The account concerned, when the request names one. */
  readonly userId?: number;
}

/** A queued message claimed by one worker, under a lease. */
export interface QueuedMail extends MailRequest {
  readonly id: string;
  /** Including the attempt now being made. */
  readonly attempts: number;
  readonly createdAt: Date;
}

/** A mail ready to send. */
export interface ComposedMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** The link the mail carries, for the development log line. */
  readonly link?: string;
}

/**
 * Renders a queued message at send time, with `manager` for what it reads and writes, or
 * returns null when it no longer needs sending (the account is gone, the address has changed):
 * the message is then finished as `dropped`.
 */
export type MailComposer = (
  mail: QueuedMail,
  manager: EntityManager,
) => Promise<ComposedMail | null>;
