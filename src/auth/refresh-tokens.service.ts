import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { User } from '../users/user.entity.js';
import { RefreshToken } from './refresh-token.entity.js';

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type RotationOutcome = { user: User; token: string } | { reused: true } | { invalid: true };

/**
 * Opaque refresh tokens: 256 random bits, stored only as SHA-256 hashes, rotated on every use.
 * Presenting a spent token means it leaked: its whole family is revoked.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Starts a new family (a login) and returns its first token. */
  issue(userId: number, manager: EntityManager = this.dataSource.manager): Promise<string> {
    return this.store(manager, userId, randomUUID());
  }

  /** Spends `token` and returns its successor and the (live) user it belongs to. */
  async rotate(token: string): Promise<{ user: User; token: string }> {
    const outcome = await this.dataSource.transaction(async (manager): Promise<RotationOutcome> => {
      const current = await manager
        .createQueryBuilder(RefreshToken, 'token')
        .where('token.tokenHash = :hash', { hash: digest(token) })
        .setLock('pessimistic_write')
        .getOne();
      if (!current || current.revokedAt || current.expiresAt.getTime() <= Date.now()) {
        return { invalid: true };
      }
      if (current.spentAt) {
        await this.revokeFamily(manager, current.familyId);
        return { reused: true };
      }
      const user = await manager.findOneBy(User, { id: current.userId });
      if (!user) return { invalid: true };
      await manager.update(RefreshToken, { id: current.id }, { spentAt: new Date() });
      return { user, token: await this.store(manager, user.id, current.familyId) };
    });
    // The family revocation above has committed before this 401 leaves.
    if ('user' in outcome) return outcome;
    throw new UnauthorizedException('Invalid refresh token');
  }

  /** Revokes the family of `token`; unknown tokens are ignored (logout is idempotent). */
  async revoke(token: string): Promise<void> {
    const current = await this.tokens.findOneBy({ tokenHash: digest(token) });
    if (current) await this.revokeFamily(this.dataSource.manager, current.familyId);
  }

  private async revokeFamily(manager: EntityManager, familyId: string): Promise<void> {
    await manager.update(
      RefreshToken,
      { familyId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
  }

  private async store(manager: EntityManager, userId: number, familyId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    // One fixed statement: every login runs it, and TypeORM's insert builder was a tenth of a
    // login's event-loop work (docs/benchmarks.md, target 5).
    await manager.query(
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [
        digest(token),
        familyId,
        userId,
        new Date(Date.now() + this.config.jwt.refreshTokenTtlSeconds * 1000),
      ],
    );
    return token;
  }
}
