import { entityColumns } from '../../test/support/entity-columns.js';
import { User } from '../users/user.entity.js';
import { COLUMNS_NOT_IN_LIVE_ROW, LIVE_POST_COLUMNS, livePostFields } from './post-columns.js';
import { Post } from './post.entity.js';

describe('the posts column map', () => {
  it('names every column of the Post entity, by its database name, once', async () => {
    expect({ ...LIVE_POST_COLUMNS, ...COLUMNS_NOT_IN_LIVE_ROW }).toEqual(
      await entityColumns(Post, [Post, User]),
    );
  });

  it('maps a row to the fields of its properties', () => {
    const createdAt = new Date('2026-01-02T03:04:05Z');
    const updatedAt = new Date('2026-01-03T03:04:05Z');
    expect(
      livePostFields({
        id: 7,
        public_id: 'p',
        user_id: 3,
        title: 't',
        body: 'b',
        version: 2,
        created_at: createdAt,
        updated_at: updatedAt,
      }),
    ).toEqual({
      id: 7,
      publicId: 'p',
      userId: 3,
      title: 't',
      body: 'b',
      version: 2,
      createdAt,
      updatedAt,
      deletedAt: null,
    });
  });
});
