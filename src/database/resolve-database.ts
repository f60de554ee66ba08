import type { AppConfig } from '../config/app-config.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { DatabaseTarget } from './database-target.js';
import { startEmbeddedDatabase } from './embedded-database.js';

export interface ResolvedDatabase extends DatabaseTarget {
  /** The hold on DATA_DIR, for the embedded database. */
  readonly dataDirLock?: DataDirLock;
  /** Stops the embedded database, if one was started; call after the app has closed. */
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when set, otherwise an embedded PGlite persisted under DATA_DIR, opened only once
 * this process holds DATA_DIR (data-dir-lock.ts): a second process is refused before it can touch
 * the files.
 */
export async function resolveDatabase(config: AppConfig): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, stop: () => Promise.resolve() };
  }
  const dataDirLock = await lockDataDir(config.dataDir);
  try {
    const embedded = await startEmbeddedDatabase(config.dataDir);
    return {
      url: embedded.url,
      embedded: true,
      dataDirLock,
      async stop() {
        await embedded.stop();
        await dataDirLock.release();
      },
    };
  } catch (error) {
    await dataDirLock.release();
    throw error;
  }
}
