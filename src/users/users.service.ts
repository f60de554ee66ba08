import {
  ForbiddenException,
  Injectable,
  NotFoundException,
  PreconditionFailedException,
} from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuthenticatedUser, isAdmin } from '../access/authenticated-user.js';
import { DEFAULT_USER_SCOPES, Scope } from '../access/scopes.js';
import {
  AcceptedVersions,
  isConditional,
  UNCONDITIONAL,
  versionAccepted,
  versionsParameter,
} from '../common/http/etag.js';
import { Page } from '../common/pagination/page.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { PagedList, PaginationService } from '../common/pagination/pagination.service.js';
import { CacheRead, type CachePrefetch, ResourceCache } from '../cache/resource-cache.service.js';
import type { IdempotencyClaim } from '../idempotency/idempotency-context.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { MailOutbox } from '../mail/mail-outbox.service.js';
import { ValidationFailedException } from '../common/errors/validation-failed.exception.js';
import { normaliseEmail } from '../common/validation/field-transforms.js';
import { LoginAttempts } from '../rate-limit/login-attempts.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { CreateUserInput } from './dto/create-user.input.dto.js';
import { ReplaceUserInput } from './dto/replace-user.input.dto.js';
import { UpdateUserInput } from './dto/update-user.input.dto.js';
import { PasswordService } from './password.service.js';
import { userCacheKey } from './user-cache-key.js';
import { LIVE_USER_SELECT_LIST, type LiveUserRow, liveUserFields } from './user-columns.js';
import { User } from './user.entity.js';
import { UserLifecycle } from './user-lifecycle.js';

type UserChanges = Partial<
  Pick<User, 'email' | 'name' | 'passwordHash' | 'scopes' | 'emailVerified'>
>;

/** Work to do inside the transaction of a user's write, given the user's internal id. */
export type TransactionStep = (manager: EntityManager, userId: number) => Promise<void>;

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly pagination: PaginationService,
    private readonly cache: ResourceCache,
    private readonly idempotency: IdempotencyService,
    private readonly outbox: MailOutbox,
    private readonly sessions: SessionsService,
    private readonly attempts: LoginAttempts,
    private readonly lifecycle: UserLifecycle,
  ) {
    this.allUsers = pagination.compile<LiveUserRow, User>(
      this.users.createQueryBuilder('user'),
      userFromRow,
    );
  }

  /** GET /users, compiled once (fixed statements, rows mapped as loadLive maps them). */
  private readonly allUsers: PagedList<LiveUserRow, User>;

  /**
   * Sign-up. A live user with the same email is a unique violation, answered 409 by the filter.
   * The verification mail is queued in the same transaction: it exists if and only if the user does.
   */
  async create(
    input: CreateUserInput,
    scopes: Scope[] = DEFAULT_USER_SCOPES,
    claim?: IdempotencyClaim,
  ): Promise<User> {
    const user = this.users.create({
      email: input.email,
      name: input.name,
      passwordHash: await this.passwords.hash(input.password),
      scopes,
      emailVerified: false,
      credentialVersion: 0,
    });
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(User, user); // fills id, public id, version and timestamps (RETURNING)
      await this.idempotency.linkCreated(manager, claim, user.publicId);
      await this.lifecycle.emailUnverified(manager, user);
    });
    this.outbox.committed();
    return user;
  }

  list(query: PageQueryDto): Promise<Page<User>> {
    return this.allUsers.page(query);
  }

  /** A live user, cache-aside (`user:{id}`). */
  async findOne(publicId: string, prefetch?: CachePrefetch): Promise<CacheRead<User>> {
    const read = await this.readCached(publicId, prefetch);
    if (!read) throw new NotFoundException('User not found');
    return read;
  }

  /**
   * A live user, or null: the per-request check behind every token (cached, and invalidated by
   * every write, so scopes and the credential version are the current ones on every instance).
   */
  async findLive(publicId: string, prefetch?: CachePrefetch): Promise<User | null> {
    return (await this.readCached(publicId, prefetch))?.value ?? null;
  }

  /**
   * A live user by email, with the password hash, for login: one fixed statement, as every login
   * runs it (the query builder was a sixth of a login's event-loop work, docs/benchmarks.md).
   */
  async findForLogin(email: string): Promise<User | null> {
    const [row] = await this.users.query<(LiveUserRow & { password_hash: string })[]>(
      `SELECT ${LIVE_USER_SELECT_LIST}, password_hash FROM users
        WHERE lower(email) = lower($1) AND deleted_at IS NULL`,
      [email],
    );
    return row ? Object.assign(userFromRow(row), { passwordHash: row.password_hash }) : null;
  }

  /** PUT. With `ifMatch` (the versions If-Match accepts), only a user at one of them changes. */
  async replace(
    publicId: string,
    input: ReplaceUserInput,
    viewer: AuthenticatedUser,
    ifMatch: AcceptedVersions,
  ): Promise<User> {
    await this.checkCurrentPassword(
      publicId,
      viewer,
      { email: input.email },
      input.current_password,
    );
    return this.applyChanges(publicId, { email: input.email, name: input.name }, ifMatch);
  }

  /** PATCH; `ifMatch` as for replace(). */
  async update(
    publicId: string,
    input: UpdateUserInput,
    viewer: AuthenticatedUser,
    ifMatch: AcceptedVersions,
  ): Promise<User> {
    if (input.scopes !== undefined && !isAdmin(viewer)) {
      throw new ForbiddenException('Only admins may change scopes');
    }
    await this.checkCurrentPassword(publicId, viewer, input, input.current_password);
    const changes: UserChanges = {};
    if (input.email !== undefined) changes.email = input.email;
    if (input.name !== undefined) changes.name = input.name;
    if (input.scopes !== undefined) changes.scopes = input.scopes;
    if (input.password !== undefined)
      changes.passwordHash = await this.passwords.hash(input.password);
    return this.applyChanges(publicId, changes, ifMatch);
  }

  /**
   * Sets a user's password: for every route that does (PATCH /users/:id goes through the same
   * applyChanges), and the one to call from a password reset. In one transaction with the new
   * hash, the credential version moves on (every access token issued before now is refused:
   * its `ver` no longer matches) and every session is revoked (every refresh token refused);
   * after the commit the cached user and sessions are invalidated on every instance.
   * `inTransaction` runs inside that transaction (e.g. to spend a reset token atomically).
   */
  async changePassword(
    publicId: string,
    password: string,
    options: { ifMatch?: AcceptedVersions; inTransaction?: TransactionStep } = {},
  ): Promise<User> {
    const passwordHash = await this.passwords.hash(password);
    return this.applyChanges(
      publicId,
      { passwordHash },
      options.ifMatch ?? UNCONDITIONAL,
      options.inTransaction,
    );
  }

  /**
   * Changing one's own email or password needs the current password: a stolen access token
   * alone must not take the account over. Someone else's account is changed only by an admin
   * (the owner guard has seen to that), who needs none. A PUT that keeps the email is no
   * change. Wrong guesses count against the account's login limit.
   */
  private async checkCurrentPassword(
    publicId: string,
    viewer: AuthenticatedUser,
    change: { email?: string; password?: string },
    currentPassword: string | undefined,
  ): Promise<void> {
    if (change.email === undefined && change.password === undefined) return;
    if (viewer.publicId.toLowerCase() !== publicId.toLowerCase()) return;
    const [row] = await this.users.query<{ email: string; password_hash: string }[]>(
      `SELECT email, password_hash FROM users WHERE public_id = $1 AND deleted_at IS NULL`,
      [publicId],
    );
    if (!row) throw new NotFoundException('User not found');
    const changesEmail = change.email !== undefined && change.email !== normaliseEmail(row.email);
    if (change.password === undefined && !changesEmail) return;
    if (currentPassword === undefined) {
      throw new ValidationFailedException([
        {
          field: 'current_password',
          message: 'current_password is required to change your own email or password',
        },
      ]);
    }
    const attempt = await this.attempts.begin(normaliseEmail(row.email));
    if (!(await this.passwords.verify(row.password_hash, currentPassword))) {
      throw new ForbiddenException('current_password is not your password');
    }
    await attempt.succeeded();
  }

  /**
   * Soft-deletes the user and what the features own of theirs (their posts: UserLifecycle) in
   * one transaction. The user row is locked first, so a post being created for this user at the
   * same moment (which locks the row FOR SHARE) either commits before and is deleted here, or
   * waits and then finds the user gone. The version `ifMatch` accepts is checked on the locked
   * row, so no write can come between the check and the deletion; a mismatch rolls back having
   * changed nothing.
   */
  async remove(publicId: string, ifMatch: AcceptedVersions): Promise<void> {
    const cascaded = await this.dataSource.transaction(async (manager) => {
      const user = await manager
        .createQueryBuilder(User, 'user')
        .select(['user.id', 'user.version'])
        .where('user.publicId = :publicId', { publicId })
        .setLock('pessimistic_write')
        .getOne();
      if (!user) throw new NotFoundException('User not found');
      if (!versionAccepted(ifMatch, user.version)) throw userChanged();
      const keys = await this.lifecycle.userDeleted(manager, user.id);
      await manager.softDelete(User, { id: user.id });
      return keys;
    });
    await this.cache.invalidate([userCacheKey(publicId), ...cascaded]);
  }

  /**
   * Marks `email` verified for the user, if it is still their address (a link sent to an old
   * address verifies nothing). False if it is not, or the user is gone.
   */
  async markEmailVerified(userId: number, email: string): Promise<boolean> {
    // A new version: the representation (email_verified) changes, so must the ETag.
    const [rows] = await this.users.query<[{ public_id: string }[], number]>(
      `UPDATE users SET email_verified = true, version = version + 1, updated_at = now()
        WHERE id = $1 AND lower(email) = lower($2) AND deleted_at IS NULL
        RETURNING public_id`,
      [userId, email],
    );
    if (rows.length === 0) return false;
    await this.cache.invalidate([userCacheKey(rows[0].public_id)]);
    return true;
  }

  /**
   * One UPDATE both checks the version (when `ifMatch` is given) and writes, so of two writers
   * holding the same If-Match exactly one matches the row: PostgreSQL re-evaluates the WHERE on
   * the row the first one committed, whose version has moved on. No row matched: 404 if the
   * user is gone, 412 if it is there at another version. The answer is the row as this statement
   * left it (RETURNING), never a read after it that could show a later write. A new password hash
   * also moves the credential version on and revokes every session, in the same transaction
   * (changePassword).
   */
  private async applyChanges(
    publicId: string,
    changes: UserChanges,
    ifMatch: AcceptedVersions,
    inTransaction?: TransactionStep,
  ): Promise<User> {
    if (Object.keys(changes).length === 0) {
      // Nothing to write (an empty PATCH): the precondition still holds or fails.
      const user = await this.loadLive(publicId);
      if (!user) throw new NotFoundException('User not found');
      if (!versionAccepted(ifMatch, user.version)) throw userChanged();
      return user;
    }
    const { email } = changes;
    const changesPassword = changes.passwordHash !== undefined;
    // An email change queues its verification mail, a password change revokes every session:
    // both in the write's transaction. Any other change is the one statement.
    const written =
      email === undefined && !changesPassword && !inTransaction
        ? await this.write(this.users.manager, publicId, changes, ifMatch).then(
            (row) => row && { row, revoked: [] as string[] },
          )
        : await this.dataSource.transaction(async (manager) => {
            const row =
              email === undefined
                ? await this.write(manager, publicId, changes, ifMatch)
                : await this.writeWithEmail(manager, publicId, { ...changes, email }, ifMatch);
            if (!row) return undefined;
            const revoked = changesPassword ? await this.sessions.revokeAllOf(manager, row.id) : [];
            await inTransaction?.(manager, row.id);
            return { row, revoked };
          });
    if (!written) {
      if (isConditional(ifMatch) && (await this.users.existsBy({ publicId }))) throw userChanged();
      throw new NotFoundException('User not found');
    }
    await Promise.all([
      this.cache.invalidate([userCacheKey(publicId)]),
      this.sessions.forget(written.revoked),
    ]);
    if (email !== undefined) this.outbox.committed();
    return userFromRow(written.row);
  }

  /**
   * The UPDATE of applyChanges(): the row as it left it, or undefined when no row matched.
   * One fixed statement; a field left out is NULL here and keeps its value (null is never a valid
   * value of these columns: validation refuses it). version and updated_at move on as TypeORM's
   * update would move them; a new password hash moves the credential version on (every access
   * token issued before it is refused). Soft-deleted users are never matched.
   */
  private async write(
    manager: EntityManager,
    publicId: string,
    changes: UserChanges,
    ifMatch: AcceptedVersions,
  ): Promise<LiveUserRow | undefined> {
    // TypeORM answers an UPDATE with [returned rows, affected count].
    const [rows] = await manager.query<[LiveUserRow[], number]>(
      `UPDATE users
          SET email = COALESCE($2, email), name = COALESCE($3, name),
              password_hash = COALESCE($4, password_hash), scopes = COALESCE($5::text[], scopes),
              email_verified = COALESCE($7, email_verified),
              credential_version = credential_version + CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END,
              version = version + 1, updated_at = CURRENT_TIMESTAMP
        WHERE public_id = $1 AND deleted_at IS NULL
          AND ($6::integer[] IS NULL OR version = ANY($6::integer[]))
    RETURNING ${LIVE_USER_SELECT_LIST}`,
      [
        publicId,
        changes.email ?? null,
        changes.name ?? null,
        changes.passwordHash ?? null,
        changes.scopes ?? null,
        versionsParameter(ifMatch),
        changes.emailVerified ?? null,
      ],
    );
    return rows[0];
  }

  /**
   * A change of address: the new one is unverified and gets its verification mail, queued in the
   * same transaction. The row is locked first, to compare the new address with the current one
   * (the same address, in any case, keeps its verification and sends nothing).
   */
  private async writeWithEmail(
    manager: EntityManager,
    publicId: string,
    changes: UserChanges & { email: string },
    ifMatch: AcceptedVersions,
  ): Promise<LiveUserRow | undefined> {
    const [current] = await manager.query<{ id: number; email: string }[]>(
      `SELECT id, email FROM users WHERE public_id = $1 AND deleted_at IS NULL FOR UPDATE`,
      [publicId],
    );
    if (!current) return undefined;
    const changed = current.email.toLowerCase() !== changes.email.toLowerCase();
    const row = await this.write(
      manager,
      publicId,
      changed ? { ...changes, emailVerified: false } : changes,
      ifMatch,
    );
    if (row && changed) {
      await this.lifecycle.emailUnverified(manager, { id: current.id, email: changes.email });
    }
    return row;
  }

  private readCached(publicId: string, prefetch?: CachePrefetch): Promise<CacheRead<User> | null> {
    const load = () => this.loadLive(publicId);
    return this.cache.read(userCacheKey(publicId), load, hydrateUser, prefetch);
  }

  /**
   * The cache's load: one fixed statement, as this is the read behind every cache miss, token
   * checks included. findOneBy builds the query and maps the row through TypeORM's metadata on
   * each call (about a tenth of a miss in the profile, docs/benchmarks.md).
   */
  private async loadLive(publicId: string): Promise<User | null> {
    const [row] = await this.users.query<LiveUserRow[]>(
      `SELECT ${LIVE_USER_SELECT_LIST} FROM users WHERE public_id = $1 AND deleted_at IS NULL`,
      [publicId],
    );
    return row ? userFromRow(row) : null;
  }
}

/** A live user's row (user-columns.ts) as the entity. */
function userFromRow(row: LiveUserRow): User {
  return liveUserFields(row, new User());
}

function userChanged(): PreconditionFailedException {
  return new PreconditionFailedException('The user has changed: If-Match does not match its ETag');
}

/** Cached users come back as plain data (dates as strings, from Redis): make them entities again. */
function hydrateUser(cached: User): User {
  return Object.assign(new User(), cached, {
    createdAt: new Date(cached.createdAt),
    updatedAt: new Date(cached.updatedAt),
  });
}
