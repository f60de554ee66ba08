import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createApp } from '../app.factory.js';
import { StartupError } from '../config/startup-error.js';
import { loadConfig } from '../config/load-config.js';
import { DataDirInUseError } from '../database/data-dir-lock.js';
import { DEMO_LOGIN_TEXT, DEMO_PASSWORD, DEMO_USERS } from '../database/demo-data.js';
import { resolveDatabase } from '../database/resolve-database.js';
import { seedThroughHttp } from './seed-through-http.js';
import { seedThroughServices } from './seed-through-services.js';

export { DEMO_PASSWORD, DEMO_USERS };

/**
 * `npm run seed`: adds the demo users and posts, skipping users that already exist. It opens the
 * database itself; with the embedded database held by a running service, which no second process
 * may open, it goes through that service's HTTP API instead.
 */
async function seed(): Promise<void> {
  const config = { ...loadConfig(), logLevel: 'silent', docsEnabled: false };
  const database = await resolveDatabase(config).catch(async (error: unknown) => {
    const serviceUrl = error instanceof DataDirInUseError ? error.holder?.serviceUrl : undefined;
    if (!serviceUrl) throw error;
    console.log(
      `${config.dataDir} is held by the service at ${serviceUrl}: seeding through its API`,
    );
    await seedThroughHttp(serviceUrl, console.log);
    return undefined;
  });
  if (database) {
    const app = await createApp({ config, database });
    try {
      await app.init();
      await seedThroughServices(app, console.log);
    } finally {
      await app.close();
      await database.stop();
    }
  }
  console.log(`\nLog in with POST /auth/token as ${DEMO_LOGIN_TEXT}`);
}

/** Run as a command (node dist/src/scripts/seed.js), not when imported for its exports. */
const isEntryPoint =
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isEntryPoint) {
  seed().catch((error: unknown) => {
    console.error(error instanceof StartupError ? error.message : error);
    process.exit(1);
  });
}
