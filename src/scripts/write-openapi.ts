import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createApp } from '../app.factory.js';
import { loadConfig } from '../config/load-config.js';
import { startEmbeddedDatabase } from '../database/embedded-database.js';
import { buildOpenApiDocument } from '../openapi/swagger.js';

/**
 * `node write-openapi.js FILE`: writes the OpenAPI document /docs-json serves to FILE (for
 * `npm run openapi:lint`). Boots the application on an in-memory embedded database with the
 * default settings, never listens, and reads no environment: the document is the same wherever
 * it is written.
 */
async function main(file: string | undefined): Promise<void> {
  if (!file) throw new Error('usage: write-openapi.js FILE');
  const database = await startEmbeddedDatabase();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DOCS_ENABLED: 'false', // built below, as setupSwagger builds it
    DATA_DIR: tmpdir(), // nothing is written there: the secret is given, the database in memory
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATABASE_URL: database.url,
  });
  const app = await createApp({ config, database: { url: database.url, embedded: true } });
  try {
    const document = buildOpenApiDocument(app, { docs: true });
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`OpenAPI document written to ${file}`);
  } finally {
    await app.close();
    await database.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
