import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from './typeorm-options.js';

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
export default new DataSource(
  typeOrmOptions({ url, embedded: false }, { poolMax: 1, forMigrations: true }),
);
