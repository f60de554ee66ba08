import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { resourceKey } from '../cache/cache-keys.js';
import { type CachePrefetch, ResourceCache } from '../cache/resource-cache.service.js';

/** Where a login came from, as recorded on its session. */
export interface SessionOrigin {
  userAgent?: string;
  ip?: string;
}

/** What the per-request token check needs of a session (cached as `session:{id}`). */
export interface SessionState {
  userId: number;
  credentialVersion: number;
  revoked: boolean;
}

export interface SessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  user_agent: string | null;
  ip: string | null;
}

/** The list is for people choosing what to log out, not an audit log: the newest are enough. */
export const SESSIONS_LISTED = 100;
export const USER_AGENT_KEPT = 512;

/**
 * Sessions: one per login, the family of its refresh tokens (`refresh_tokens.family_id`). A
 * session is live while it is not revoked, its refresh token has not expired, and the user's
 * credential version is still the one it was started under (a password change ends them all,
 * including one whose login raced the change). Access tokens name their session (`sid`), so
 * revoking one stops its access tokens too, at once: the per-request check reads the session
 * through the cache, and every revocation invalidates it after commit.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: ResourceCache,
  ) {}

  /** Records a new session (a login) and returns its id, the family id of its tokens. */
  async start(
    manager: EntityManager,
    user: { id: number; credentialVersion: number },
    origin: SessionOrigin,
    expiresAt: Date,
  ): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO sessions (id, user_id, credential_version, user_agent, ip, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        id,
        user.id,
        user.credentialVersion,
        storableUserAgent(origin.userAgent),
        origin.ip ?? null,
        expiresAt,
      ],
    );
    return id;
  }

  /** A refresh: the session was used now and lives as long as its new refresh token. */
  async touch(manager: EntityManager, id: string, expiresAt: Date): Promise<void> {
    await manager.query(`UPDATE sessions SET last_used_at = now(), expires_at = $2 WHERE id = $1`, [
      id,
      expiresAt,
    ]);
  }

  /** Whether a refresh of this session may go on (read inside the rotation's transaction). */
  async isLive(
    manager: EntityManager,
    id: string,
    user: { id: number; credentialVersion: number },
  ): Promise<boolean> {
    const [row] = await manager.query<{ live: boolean }[]>(
      `SELECT (revoked_at IS NULL AND user_id = $2 AND credential_version = $3) AS live
         FROM sessions WHERE id = $1`,
      [id, user.id, user.credentialVersion],
    );
    return row?.live === true;
  }

  /**
   * Revokes the sessions (and their refresh tokens) in the caller's transaction. Call
   * forget(ids) after it commits, so that their access tokens stop on every instance.
   */
  async revoke(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `UPDATE sessions SET revoked_at = now() WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL`,
      [ids],
    );
    await manager.query(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE family_id = ANY($1::uuid[]) AND revoked_at IS NULL`,
      [ids],
    );
  }

  /** Revokes every session of the user (a password change); returns their ids for forget(). */
  async revokeAllOf(manager: EntityManager, userId: number): Promise<string[]> {
    const rows = await manager.query<{ id: string }[]>(
      `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
    );
    const ids = rows.map((row) => row.id);
    await this.revoke(manager, ids);
    return ids;
  }

  /** After a revocation has committed: the cached states are dropped on every instance. */
  forget(ids: string[]): Promise<void> {
    return this.cache.invalidate(ids.map(sessionKey));
  }

  /** DELETE /auth/sessions/{id}: only a live session of this user; otherwise 404. */
  async revokeOwn(userId: number, id: string): Promise<void> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<{ id: string }[]>(
        `SELECT id FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
           AND expires_at > now() FOR UPDATE`,
        [id, userId],
      );
      if (!row) return null;
      await this.revoke(manager, [row.id]);
      return row.id;
    });
    if (!revoked) throw new NotFoundException('Session not found');
    await this.forget([revoked]);
  }

  /** The live sessions of the user, newest first (at most SESSIONS_LISTED). */
  list(userId: number, credentialVersion: number): Promise<SessionRow[]> {
    return this.dataSource.query<SessionRow[]>(
      `SELECT id, created_at, last_used_at, user_agent, ip FROM sessions
        WHERE user_id = $1 AND credential_version = $2 AND revoked_at IS NULL AND expires_at > now()
        ORDER BY created_at DESC, id DESC LIMIT ${SESSIONS_LISTED}`,
      [userId, credentialVersion],
    );
  }

  /** The session behind an access token, cache-aside; null if there is none. */
  async state(id: string, prefetch?: CachePrefetch): Promise<SessionState | null> {
    const read = await this.cache.read(
      sessionKey(id),
      () => this.loadState(id),
      (cached: SessionState) => cached,
      prefetch,
    );
    return read?.value ?? null;
  }

  private async loadState(id: string): Promise<SessionState | null> {
    const [row] = await this.dataSource.query<
      { user_id: number; credential_version: number; revoked: boolean }[]
    >(
      `SELECT user_id, credential_version, revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1`,
      [id],
    );
    return row
      ? { userId: row.user_id, credentialVersion: row.credential_version, revoked: row.revoked }
      : null;
  }
}

export function sessionKey(id: string): string {
  return resourceKey('session', id.toLowerCase());
}

/**
 * The User-Agent as stored: printable text only (PostgreSQL refuses NUL in text, and control
 * characters have no business in a list shown to people), at most USER_AGENT_KEPT characters;
 * none when nothing is left.
 */
function storableUserAgent(value: string | undefined): string | null {
  // eslint-disable-next-line no-control-regex
  const printable = (value ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return printable ? [...printable].slice(0, USER_AGENT_KEPT).join('') : null;
}
