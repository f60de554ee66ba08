/** Which database the app talks to, resolved at start (DATABASE_URL, or the embedded PGlite). */
export interface DatabaseTarget {
  readonly url: string;
  /** The embedded PGlite serves one session: one pooled connection, no advisory locks. */
  readonly embedded: boolean;
}

export const DATABASE_TARGET = Symbol('DATABASE_TARGET');
