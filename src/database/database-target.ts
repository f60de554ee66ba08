/** Which database the app talks to, resolved at start (DATABASE_URL, or the embedded PGlite). */
export interface DatabaseTarget {
  readonly url: string;
  /** The embedded PGlite serves one session: one pooled connection, no advisory locks. */
  readonly embedded: boolean;
}

/** Pool and timeout settings beyond the target itself. */
export interface PoolSettings {
  /** Ignored for the embedded database, which always gets one connection. */
  readonly poolMax: number;
  /** Migrations may run long (index builds): no query timeouts for them. */
  readonly forMigrations?: boolean;
  /** How long to wait for a connection (pool wait included); 3 s unless said otherwise. */
  readonly connectTimeoutMs?: number;
}

export const DATABASE_TARGET = Symbol('DATABASE_TARGET');
