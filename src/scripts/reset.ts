import { rmSync } from 'node:fs';
import { StartupError } from '../config/startup-error.js';
import { loadConfig } from '../config/load-config.js';
import { lockDataDir } from '../database/data-dir-lock.js';
import { embeddedDataPath } from '../database/embedded-database.js';

/**
 * `npm run db:reset`: deletes the embedded database under DATA_DIR (the next start creates it
 * empty and migrates it). Refused while another process holds DATA_DIR, and with DATABASE_URL,
 * whose database is not this command's to drop. The development JWT secret is kept.
 */
async function reset(): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new StartupError(
      'db:reset deletes the embedded database, and DATABASE_URL is set: drop that database with your PostgreSQL tools',
    );
  }
  const lock = await lockDataDir(config.dataDir);
  try {
    rmSync(embeddedDataPath(config.dataDir), { recursive: true, force: true });
  } finally {
    await lock.release();
  }
  console.log(
    `Deleted the embedded database in ${config.dataDir}; the next start creates it empty (npm run seed adds the demo data)`,
  );
}

reset().catch((error: unknown) => {
  console.error(error instanceof StartupError ? error.message : error);
  process.exit(1);
});
