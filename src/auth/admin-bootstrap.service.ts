import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { ResourceCache } from '../cache/resource-cache.service.js';
import { isReadOnlyDatabase } from '../common/errors/database-error.js';
import { normaliseEmail } from '../common/validation/field-transforms.js';
import { PasswordService } from '../users/password.service.js';
import { userCacheKey } from '../users/user-cache-key.js';
import { ADMIN_SCOPE } from '../access/authenticated-user.js';
import { DEFAULT_USER_SCOPES } from '../access/scopes.js';

/**
 * With ADMIN_EMAIL and ADMIN_PASSWORD set, ensures at start that this user exists and holds
 * `admin`. A new account is one insert against the live-email unique index, so two instances
 * starting together cannot create two admins. An account that already exists is promoted only
 * if its password is ADMIN_PASSWORD: whoever signed the address up first (before the operator
 * set ADMIN_EMAIL) must not become an admin with their own password. Such an account is left as
 * it is, with an error in the log naming the email, and the service starts.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly cache: ResourceCache,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin) return;
    const email = normaliseEmail(admin.email);
    try {
      await this.ensure(email, admin.password);
    } catch (error) {
      // A read-only database (a standby named as DATABASE_URL) answers writes 503; the start
      // goes on, so reads are still served.
      if (!isReadOnlyDatabase(error)) throw error;
      this.logger.warn(`Admin user ${email} not ensured: the database is read-only`);
    }
  }

  private async ensure(email: string, password: string): Promise<void> {
    const scopes = [...DEFAULT_USER_SCOPES, ADMIN_SCOPE];
    const [created] = await this.dataSource.query<{ public_id: string }[]>(
      `INSERT INTO users (email, name, password_hash, scopes)
       VALUES ($1, 'Administrator', $2, $3)
       ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO NOTHING
       RETURNING public_id`,
      [email, await this.passwords.hash(password), scopes],
    );
    if (created) {
      this.logger.log(`Admin user ${email} created`);
      return;
    }

    const [existing] = await this.dataSource.query<{ public_id: string; password_hash: string }[]>(
      `SELECT public_id, password_hash FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL`,
      [email],
    );
    if (!existing) {
      this.logger.error(
        `ADMIN_EMAIL ${email}: the account was deleted while starting; not ensured`,
      );
      return;
    }
    if (!(await this.passwords.verify(existing.password_hash, password))) {
      this.logger.error(
        `ADMIN_EMAIL ${email} belongs to an existing account whose password is not ADMIN_PASSWORD: it was not given admin. Check who owns it; to make it the admin, set its password to ADMIN_PASSWORD (or choose another ADMIN_EMAIL) and restart`,
      );
      return;
    }
    await this.dataSource.query(
      `UPDATE users SET scopes = array(SELECT DISTINCT unnest(scopes || $2::text[]) ORDER BY 1),
                        updated_at = now(), version = version + 1
        WHERE public_id = $1 AND NOT scopes @> $2::text[]`,
      [existing.public_id, scopes],
    );
    await this.cache.invalidate([userCacheKey(existing.public_id)]);
    this.logger.log(`Admin user ${email} ensured`);
  }
}
