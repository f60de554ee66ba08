import { randomBytes, createHash } from 'node:crypto';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { SessionOrigin, SessionsService } from '../sessions/sessions.service.js';
import { User } from '../users/user.entity.js';
import { RefreshToken } from './refresh-token.entity.js';

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A refresh token and the session (family) it belongs to. */
export interface IssuedRefreshToken {
  token: string;
  sessionId: string;
}

type RotationOutcome =
  { user: User; issued: IssuedRefreshToken } | { reused: string } | { invalid: true };

/**
 * Opaque refresh tokens: 256 random bits, stored only as SHA-256 hashes, rotated on every use.
 * Each login starts a session (sessions/), whose id is the tokens' family id. Presenting a spent
 * token means it leaked: its whole session is revoked.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Starts a new session (a login) and returns its first token. */
  issue(user: User, origin: SessionOrigin): Promise<IssuedRefreshToken> {
    return this.dataSource.transaction(async (manager) => {
      const expiresAt = this.expiry();
      const sessionId = await this.sessions.start(manager, user, origin, expiresAt);
      return { token: await this.store(manager, user.id, sessionId, expiresAt), sessionId };
    });
  }

  /** Spends `token` and returns its successor and the (live) user it belongs to. */
  async rotate(token: string): Promise<{ user: User; issued: IssuedRefreshToken }> {
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
        await this.sessions.revoke(manager, [current.familyId]);
        return { reused: current.familyId };
      }
      const user = await manager.findOneBy(User, { id: current.userId });
      // The session decides: revoked one by one, or by a password change (its credential
      // version is no longer the user's, even if its login raced the change).
      if (!user || !(await this.sessions.isLive(manager, current.familyId, user))) {
        return { invalid: true };
      }
      await manager.update(RefreshToken, { id: current.id }, { spentAt: new Date() });
      const expiresAt = this.expiry();
      await this.sessions.touch(manager, current.familyId, expiresAt);
      const next = await this.store(manager, user.id, current.familyId, expiresAt);
      return { user, issued: { token: next, sessionId: current.familyId } };
    });
    if ('user' in outcome) return outcome;
    // The revocation above has committed before this 401 leaves; its access tokens stop too.
    if ('reused' in outcome) await this.sessions.forget([outcome.reused]);
    throw new UnauthorizedException('Invalid refresh token');
  }

  /** Revokes the session of `token`; unknown tokens are ignored (logout is idempotent). */
  async revoke(token: string): Promise<void> {
    const current = await this.tokens.findOneBy({ tokenHash: digest(token) });
    if (!current) return;
    await this.sessions.revoke(this.dataSource.manager, [current.familyId]);
    await this.sessions.forget([current.familyId]);
  }

  private expiry(): Date {
    return new Date(Date.now() + this.config.jwt.refreshTokenTtlSeconds * 1000);
  }

  private async store(
    manager: EntityManager,
    userId: number,
    sessionId: string,
    expiresAt: Date,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    // One fixed statement: every login runs it, and TypeORM's insert builder was a tenth of a
    // login's event-loop work (docs/benchmarks.md, target 5).
    await manager.query(
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [digest(token), sessionId, userId, expiresAt],
    );
    return token;
  }
}
