/**
 * The users table for the hand-written SQL of users.service.ts (the cache's load, login's read,
 * the UPDATE ... RETURNING of a write) and the benchmark's baseline server. user-columns.spec.ts
 * checks it against the entity's metadata, so a column added to the entity and not here fails.
 *
 * Only type imports besides the column map: bench/baseline.ts imports this module and stays free
 * of TypeORM.
 */
import { type FieldsOf, type RowOf, rowFiller, selectList } from '../database/column-map.js';
import type { User } from './user.entity.js';

/** Each property a live user's row fills, with its column. */
export const LIVE_USER_COLUMNS = {
  id: 'id',
  publicId: 'public_id',
  email: 'email',
  emailVerified: 'email_verified',
  name: 'name',
  scopes: 'scopes',
  credentialVersion: 'credential_version',
  version: 'version',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const;

/**
 * The entity's columns a live user's row leaves out, and why: the hash is read only where a
 * password is checked (it is `select: false`), and a live user's deleted_at is null.
 */
export const COLUMNS_NOT_IN_LIVE_ROW = { passwordHash: 'password_hash', deletedAt: 'deleted_at' };

/** A live user's row, as PostgreSQL answers a statement selecting LIVE_USER_SELECT_LIST. */
export type LiveUserRow = RowOf<User, typeof LIVE_USER_COLUMNS>;

/** The select (and RETURNING) list of a live user's row. */
export const LIVE_USER_SELECT_LIST = selectList<User>(LIVE_USER_COLUMNS);

const fillLiveUser = rowFiller<User, typeof LIVE_USER_COLUMNS>(LIVE_USER_COLUMNS);

/**
 * A live user's row as the entity's fields (deletedAt null: the row is a live user's), written
 * into `target` (a new User, say) or a new plain object.
 */
export function liveUserFields<T extends object = object>(
  row: LiveUserRow,
  target: T = {} as T,
): T & FieldsOf<User, typeof LIVE_USER_COLUMNS> & { deletedAt: null } {
  return Object.assign(fillLiveUser(row, target), { deletedAt: null });
}
