import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startEmbeddedDatabase } from '../../src/database/embedded-database.js';
import { ResolvedDatabase } from '../../src/database/resolve-database.js';

/**
 * An isolated database for one test file: a fresh database on the PostgreSQL server named by
 * TEST_DATABASE_URL (or DATABASE_URL), dropped afterwards; otherwise an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<ResolvedDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedDatabase();
    return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
  }
  const name = `test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    embedded: false,
    stop: () =>
      withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
