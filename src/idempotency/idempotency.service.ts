import { createHash } from 'node:crypto';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { IdempotencyClaim } from './idempotency-context.js';

/** How long a key and its response are kept (API.md: 24 hours). */
const KEY_TTL = '24 hours';
/**
 * A claim with no create linked to it after this long belongs to a request that died before its
 * transaction committed (the link is written in that transaction): it may be taken over.
 */
const ABANDONED_CLAIM = '60 seconds';
const CLEANUP_EVERY_MS = 60 * 60 * 1000;

export interface StoredKey {
  id: number;
  request_hash: string;
  resource_public_id: string | null;
  response_status: number | null;
  response_body: unknown;
  response_location: string | null;
  response_etag: string | null;
}

/** What a create's 201 carries besides its status, to store for replays or rebuild. */
export interface CreatedResponse {
  body: unknown;
  location: string;
  etag: string;
}

/** How often, and how far apart, a retry looks again for the response of a committed create. */
const STORED_RESPONSE_CHECKS = 5;
const STORED_RESPONSE_CHECK_MS = 100;

export type ClaimResult = { claimed: true; id: number } | { claimed: false; existing: StoredKey };

const STORED_COLUMNS =
  'id, request_hash, resource_public_id, response_status, response_body, response_location, response_etag';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Idempotency keys in PostgreSQL rather than Redis: the claim is an INSERT on a unique index
 * (atomic across instances), the created resource is linked to the key inside the create's own
 * transaction, so no outage (Redis's or a crash between commit and reply) can make a retry create
 * twice. Raw SQL because the claim needs INSERT ... ON CONFLICT with a condition.
 */
@Injectable()
export class IdempotencyService implements OnApplicationShutdown {
  private readonly cleanup: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.cleanup = setInterval(
      () => void this.deleteExpired().catch(() => undefined),
      CLEANUP_EVERY_MS,
    ).unref();
  }

  /**
   * Claims (scope, key) for this request, taking over an expired row or an abandoned claim; or
   * returns the row that holds it.
   */
  async claim(scopeHash: string, requestHash: string): Promise<ClaimResult> {
    const [claimed] = await this.dataSource.query<{ id: number }[]>(
      `INSERT INTO idempotency_keys (scope_hash, request_hash, expires_at)
       VALUES ($1, $2, now() + interval '${KEY_TTL}')
       ON CONFLICT (scope_hash) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, claimed_at = now(), expires_at = EXCLUDED.expires_at,
             resource_public_id = NULL, response_status = NULL, response_body = NULL,
             response_location = NULL, response_etag = NULL, completed_at = NULL
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.resource_public_id IS NULL
                AND idempotency_keys.completed_at IS NULL
                AND idempotency_keys.claimed_at < now() - interval '${ABANDONED_CLAIM}')
       RETURNING id`,
      [scopeHash, requestHash],
    );
    if (claimed) return { claimed: true, id: claimed.id };
    const [existing] = await this.dataSource.query<StoredKey[]>(
      `SELECT ${STORED_COLUMNS} FROM idempotency_keys WHERE scope_hash = $1`,
      [scopeHash],
    );
    // Deleted between the two statements (a failed first attempt released it): claim again.
    return existing ? { claimed: false, existing } : this.claim(scopeHash, requestHash);
  }

  /**
   * Called by a service inside the transaction that creates `publicId`: when the request runs
   * under a key (`claim`), the key records the creation atomically with it. Without one it does
   * nothing.
   */
  async linkCreated(
    manager: EntityManager,
    claim: IdempotencyClaim | undefined,
    publicId: string,
  ): Promise<void> {
    if (!claim) return;
    await manager.query(`UPDATE idempotency_keys SET resource_public_id = $2 WHERE id = $1`, [
      claim.id,
      publicId,
    ]);
  }

  /** Keeps the response for replays. */
  async complete(
    id: number,
    status: number,
    body: unknown,
    headers: { location?: string; etag?: string },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys
          SET response_status = $2, response_body = $3, response_location = $4,
              response_etag = $5, completed_at = now()
        WHERE id = $1`,
      [id, status, JSON.stringify(body), headers.location ?? null, headers.etag ?? null],
    );
  }

  /**
   * The key of a create that has committed (it is linked to its resource) but whose response is
   * not stored: once the request that holds it has had the time to store it (one statement after
   * its commit), or null if it has not. Null means the holder is gone, or its link to the
   * database is: the response is then rebuilt from the resource.
   */
  async storedResponseOf(id: number): Promise<StoredKey | null> {
    for (let check = 0; check < STORED_RESPONSE_CHECKS; check += 1) {
      await new Promise((resolve) => setTimeout(resolve, STORED_RESPONSE_CHECK_MS));
      const [row] = await this.dataSource.query<StoredKey[]>(
        `SELECT ${STORED_COLUMNS} FROM idempotency_keys WHERE id = $1`,
        [id],
      );
      if (row?.response_status != null) return row;
    }
    return null;
  }

  /** A failed request gives its key back, unless it did create something (then it is kept). */
  async release(id: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE id = $1 AND resource_public_id IS NULL`,
      [id],
    );
  }

  onApplicationShutdown(): void {
    clearInterval(this.cleanup);
  }

  private async deleteExpired(): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE expires_at < now()`);
  }
}
