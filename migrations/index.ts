import { CreateUsersAndPosts1795686600000 } from './1795686600000-CreateUsersAndPosts.js';
import { CreateRefreshTokens1795686700000 } from './1795686700000-CreateRefreshTokens.js';
import { CreateIdempotencyKeys1795686800000 } from './1795686800000-CreateIdempotencyKeys.js';
import { CreateMailOutboxAndAccountTokens1795686900000 } from './1795686900000-CreateMailOutboxAndAccountTokens.js';
import { AddIdempotencyResponseEtag1795686914000 } from './1795686914000-AddIdempotencyResponseEtag.js';
import { AccountSecurity1795686920000 } from './1795686920000-AccountSecurity.js';

/**
 * Every migration, oldest first. Listed rather than globbed: loading files by pattern makes
 * TypeORM import() them at run time, which breaks under bundlers and Jest's module system. A new
 * migration (npm run migration:generate / create) must be added here.
 */
export const MIGRATIONS = [
  CreateUsersAndPosts1795686600000,
  CreateRefreshTokens1795686700000,
  CreateIdempotencyKeys1795686800000,
  CreateMailOutboxAndAccountTokens1795686900000,
  AddIdempotencyResponseEtag1795686914000,
  AccountSecurity1795686920000,
];
