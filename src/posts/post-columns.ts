/**
 * The posts table for the hand-written SQL of posts.service.ts (the UPDATE ... RETURNING of a
 * write). post-columns.spec.ts checks it against the entity's metadata, so a column added to the
 * entity and not here fails.
 */
import { type FieldsOf, type RowOf, rowFiller, selectList } from '../database/column-map.js';
import type { Post } from './post.entity.js';

/** Each property a live post's row fills, with its column. */
export const LIVE_POST_COLUMNS = {
  id: 'id',
  publicId: 'public_id',
  userId: 'user_id',
  title: 'title',
  body: 'body',
  version: 'version',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const;

/** The entity's columns a live post's row leaves out: a live post's deleted_at is null. */
export const COLUMNS_NOT_IN_LIVE_ROW = { deletedAt: 'deleted_at' };

/** A live post's row, as PostgreSQL answers a statement selecting LIVE_POST_SELECT_LIST. */
export type LivePostRow = RowOf<Post, typeof LIVE_POST_COLUMNS>;

/** The select (and RETURNING) list of a live post's row. */
export const LIVE_POST_SELECT_LIST = selectList<Post>(LIVE_POST_COLUMNS);

const fillLivePost = rowFiller<Post, typeof LIVE_POST_COLUMNS>(LIVE_POST_COLUMNS);

/**
 * A live post's row as the entity's fields (deletedAt null: the row is a live post's), written
 * into `target` (a new Post, say) or a new plain object.
 */
export function livePostFields<T extends object = object>(
  row: LivePostRow,
  target: T = {} as T,
): T & FieldsOf<Post, typeof LIVE_POST_COLUMNS> & { deletedAt: null } {
  return Object.assign(fillLivePost(row, target), { deletedAt: null });
}
