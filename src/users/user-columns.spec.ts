import { entityColumns } from '../../test/support/entity-columns.js';
import { COLUMNS_NOT_IN_LIVE_ROW, LIVE_USER_COLUMNS, liveUserFields } from './user-columns.js';
import { User } from './user.entity.js';

describe('the users column map', () => {
  it('names every column of the User entity, by its database name, once', async () => {
    expect({ ...LIVE_USER_COLUMNS, ...COLUMNS_NOT_IN_LIVE_ROW }).toEqual(await entityColumns(User));
  });

  it('maps a row to the fields of its properties', () => {
    const createdAt = new Date('2026-01-02T03:04:05Z');
    const updatedAt = new Date('2026-01-03T03:04:05Z');
    expect(
      liveUserFields({
        id: 7,
        public_id: 'p',
        email: 'e@example.com',
        email_verified: true,
        name: 'n',
        scopes: ['users:read'],
        credential_version: 2,
        version: 3,
        created_at: createdAt,
        updated_at: updatedAt,
      }),
    ).toEqual({
      id: 7,
      publicId: 'p',
      email: 'e@example.com',
      emailVerified: true,
      name: 'n',
      scopes: ['users:read'],
      credentialVersion: 2,
      version: 3,
      createdAt,
      updatedAt,
      deletedAt: null,
    });
  });
});
