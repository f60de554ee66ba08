import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { MailRequest, QueuedMail } from './mail-message.js';

/** How long a claimed message is reserved for the worker that claimed it (covers a send's timeouts). */
export const LEASE_SECONDS = 120;

export type MailOutcome = 'sent' | 'dropped' | 'rejected';

interface OutboxRow {
  id: string;
  kind: string;
  recipient: string;
  user_id: number | null;
  attempts: number;
  created_at: Date;
}

/**
 * The durable mail queue, the `mail_outbox` table. A change enqueues its mail with its own
 * transaction's manager, so the message exists exactly when the change has committed: never
 * lost on a crash after the commit, never sent for a change that rolled back. Workers claim
 * due messages with FOR UPDATE SKIP LOCKED and a lease, in a short statement of their own
 * (the embedded database has a single connection: no transaction stays open while mailing).
 */
@Injectable()
export class MailOutbox {
  private readonly listeners: (() => void)[] = [];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Queues `request` in the caller's transaction; call committed() once it has committed. */
  async enqueue(manager: EntityManager, request: MailRequest): Promise<void> {
    await manager.query(`INSERT INTO mail_outbox (kind, recipient, user_id) VALUES ($1, $2, $3)`, [
      request.kind,
      request.recipient,
      request.userId ?? null,
    ]);
  }

  /** Tells this instance's worker that a transaction with mail has committed: send it now. */
  committed(): void {
    for (const listener of this.listeners) listener();
  }

  onCommitted(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Claims up to `limit` due messages for LEASE_SECONDS and counts the attempt. A message whose
   * lease has run out (its worker died mid-send) is due again: at least once, never lost.
   */
  async claim(limit: number): Promise<QueuedMail[]> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows] = await this.dataSource.query<[OutboxRow[], number]>(
      `UPDATE mail_outbox
          SET attempts = attempts + 1,
              leased_until = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM mail_outbox
                      WHERE finished_at IS NULL AND next_attempt_at <= now()
                        AND (leased_until IS NULL OR leased_until <= now())
                      ORDER BY next_attempt_at, id
                      LIMIT $1
                      FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, recipient, user_id, attempts, created_at`,
      [limit, LEASE_SECONDS],
    );
    return rows
      .map((row) => ({
        id: String(row.id),
        kind: row.kind,
        recipient: row.recipient,
        userId: row.user_id ?? undefined,
        attempts: row.attempts,
        createdAt: new Date(row.created_at),
      }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async finish(id: string, outcome: MailOutcome, error?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox SET finished_at = now(), outcome = $2, leased_until = NULL,
              last_error = COALESCE($3, last_error)
        WHERE id = $1`,
      [id, outcome, error ?? null],
    );
  }

  /** Gives back claimed messages that were not attempted (the worker is stopping): due at once. */
  async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE mail_outbox SET leased_until = NULL, attempts = attempts - 1
        WHERE id = ANY($1::bigint[]) AND finished_at IS NULL`,
      [ids],
    );
  }

  /** Gives the message back for another attempt in `delayMs`. */
  async retryLater(id: string, delayMs: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox
          SET next_attempt_at = now() + make_interval(secs => $2), leased_until = NULL, last_error = $3
        WHERE id = $1`,
      [id, delayMs / 1000, error],
    );
  }

  /** Messages not yet finished (sent, dropped or rejected), due or waiting for a retry. */
  async depth(): Promise<number> {
    const [row] = await this.dataSource.query<{ depth: number }[]>(
      `SELECT count(*)::int AS depth FROM mail_outbox WHERE finished_at IS NULL`,
    );
    return row.depth;
  }

  /** How many messages of `kind` for `recipient` were queued in the last `seconds`. */
  async countRecent(
    manager: EntityManager,
    kind: string,
    recipient: string,
    seconds: number,
  ): Promise<number> {
    const [row] = await manager.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM mail_outbox
        WHERE kind = $1 AND lower(recipient) = lower($2)
          AND created_at > now() - make_interval(secs => $3)`,
      [kind, recipient, seconds],
    );
    return row.count;
  }

  /** When the oldest of those counted by countRecent() leaves the window, in seconds from now. */
  async secondsUntilSlotFrees(kind: string, recipient: string, seconds: number): Promise<number> {
    const [row] = await this.dataSource.query<{ wait: number | null }[]>(
      `SELECT ceil(extract(epoch FROM min(created_at) + make_interval(secs => $3) - now()))::int AS wait
         FROM mail_outbox
        WHERE kind = $1 AND lower(recipient) = lower($2)
          AND created_at > now() - make_interval(secs => $3)`,
      [kind, recipient, seconds],
    );
    return Math.max(1, row.wait ?? 1);
  }
}
