import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  /** A postgres:// URL for the ordinary pg driver. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Where PGlite keeps its files under DATA_DIR. */
export function embeddedDataPath(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM) and serves it on a free loopback port, so the app,
 * TypeORM and the migrations use the same pg driver and code path as with a real server.
 * `dataDir` undefined keeps the database in memory (tests). A data directory must be held by this
 * process first (data-dir-lock.ts, via resolve-database.ts): PGlite itself does not stop a second
 * process from opening the same files.
 */
export async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  let pgDataDir: string | undefined;
  if (dataDir) {
    pgDataDir = embeddedDataPath(dataDir);
    mkdirSync(pgDataDir, { recursive: true });
  }
  const db = await PGlite.create(pgDataDir);
  // PGlite has one session. Its socket server multiplexes connections only between protocol
  // messages, which can interleave two clients' extended-protocol exchanges, so the pool that
  // talks to it keeps a single connection (see typeorm-options.ts).
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
