import type { AppConfig } from '../config/app-config.js';
import { DatabaseTarget } from './database-target.js';
import { startEmbeddedDatabase } from './embedded-database.js';

export interface ResolvedDatabase extends DatabaseTarget {
  /** Stops the embedded database, if one was started; call after the app has closed. */
  stop(): Promise<void>;
}

/** DATABASE_URL when set, otherwise an embedded PGlite persisted under DATA_DIR. */
export async function resolveDatabase(config: AppConfig): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, stop: () => Promise.resolve() };
  }
  const embedded = await startEmbeddedDatabase(config.dataDir);
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
