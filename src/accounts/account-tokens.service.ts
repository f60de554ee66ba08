import { createHash, randomBytes } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export type AccountTokenPurpose = 'verify_email' | 'password_reset';

/** One answer for a link that is unknown, garbled, expired or used: it tells nothing of which. */
export function invalidAccountToken(): BadRequestException {
  return new BadRequestException('The link is invalid, expired or already used');
}

/** What a redeemed token proves: control of `email`, for the account `userId`. */
export interface RedeemedToken {
  userId: number;
  email: string;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Single-use tokens of the links in account mail (`account_tokens`): 256 random bits, stored
 * only as a SHA-256 hash (a leaked table redeems nothing), bound to one account, one address and
 * one purpose, with an expiry.
 */
@Injectable()
export class AccountTokens {
  /** A new token for `userId` and `email`, valid `ttlSeconds`; only its hash is stored. */
  async issue(
    manager: EntityManager,
    purpose: AccountTokenPurpose,
    user: { id: number; email: string },
    ttlSeconds: number,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.query(
      `INSERT INTO account_tokens (purpose, token_hash, user_id, email, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [purpose, digest(token), user.id, user.email, ttlSeconds],
    );
    return token;
  }

  /**
   * Spends `token` if it is live (of this purpose, unused, unexpired): one conditional UPDATE,
   * so of two requests with the same token exactly one gets it. Null for anything else.
   */
  async redeem(
    manager: EntityManager,
    purpose: AccountTokenPurpose,
    token: string,
  ): Promise<RedeemedToken | null> {
    const [rows] = await manager.query<[{ user_id: number; email: string }[], number]>(
      `UPDATE account_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id, email`,
      [digest(token), purpose],
    );
    const [row] = rows;
    return row ? { userId: row.user_id, email: row.email } : null;
  }

  /** Spends every live token of `purpose` of the user (after a reset, the other links die). */
  async spendAll(
    manager: EntityManager,
    purpose: AccountTokenPurpose,
    userId: number,
  ): Promise<void> {
    await manager.query(
      `UPDATE account_tokens SET used_at = now()
        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [userId, purpose],
    );
  }
}
