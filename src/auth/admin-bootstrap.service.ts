import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { ResourceCache } from '../cache/resource-cache.service.js';
import { isReadOnlyDatabase } from '../common/errors/database-error.js';
import { PasswordService } from '../users/password.service.js';
import { ADMIN_SCOPE } from './authenticated-user.js';
import { DEFAULT_USER_SCOPES } from './scopes.js';

/**
 * With ADMIN_EMAIL and ADMIN_PASSWORD set, ensures at start that this user exists and holds
 * `admin`. One upsert against the live-email unique index, so two instances starting together
 * cannot create two admins. An existing user keeps their password.
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
    const email = admin.email.trim().toLowerCase();
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
    const [ensured] = await this.dataSource.query<{ public_id: string }[]>(
      `INSERT INTO users (email, name, password_hash, scopes)
       VALUES ($1, 'Administrator', $2, $3)
       ON CONFLICT (lower(email)) WHERE deleted_at IS NULL
       DO UPDATE SET scopes = array(SELECT DISTINCT unnest(users.scopes || EXCLUDED.scopes) ORDER BY 1),
                     updated_at = CASE WHEN users.scopes @> EXCLUDED.scopes THEN users.updated_at ELSE now() END
       RETURNING public_id`,
      [email, await this.passwords.hash(password), [...DEFAULT_USER_SCOPES, ADMIN_SCOPE]],
    );
    await this.cache.invalidate([`user:${ensured.public_id}`]);
    this.logger.log(`Admin user ${email} ensured`);
  }
}
