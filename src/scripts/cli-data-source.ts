import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { RefreshToken } from '../auth/refresh-token.entity.js';
import { typeOrmOptions } from '../database/typeorm-options.js';
import { Post } from '../posts/post.entity.js';
import { User } from '../users/user.entity.js';

/**
 * The data source the TypeORM CLI uses (npm run migration:*). It needs DATABASE_URL: the embedded
 * database applies its migrations itself when the service starts.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'Set DATABASE_URL to run migration commands (the embedded database migrates at start).',
  );
}

// No query timeouts: migrations may build large indexes.
// The CLI has no Nest modules to load the entities from (migration:generate compares them with
// the schema): every feature's entities, listed.
export default new DataSource({
  ...typeOrmOptions({ url, embedded: false }, { poolMax: 1, forMigrations: true }),
  entities: [User, Post, RefreshToken],
});
