import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { isReadOnlyDatabase } from '../common/errors/database-error.js';

/** Any constant: serialises the instances that write the role's settings at the same moment. */
const SETTINGS_LOCK_KEY = 7_301_845_522;
const SETTINGS_LOCK_WAIT_MS = 10_000;

/** The server-side timeouts every application session runs with, in milliseconds. */
export interface SessionTimeouts {
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  lockTimeoutMs: number;
}

/** Bounded waits so a stuck query or lock answers 503 instead of holding a connection. */
export function sessionTimeouts(lockTimeoutMs: number): SessionTimeouts {
  return { statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 30_000, lockTimeoutMs };
}

function settingsOf(timeouts: SessionTimeouts): [string, string][] {
  return [
    ['statement_timeout', String(timeouts.statementTimeoutMs)],
    ['idle_in_transaction_session_timeout', String(timeouts.idleInTransactionTimeoutMs)],
    ['lock_timeout', String(timeouts.lockTimeoutMs)],
  ];
}

/**
 * Makes the timeouts the defaults of the application's role in its database
 * (`ALTER ROLE CURRENT_USER IN DATABASE db SET ...`), before the pool opens its first session.
 * Startup parameters (`options=-c ...`, or statement_timeout in the startup packet) would be
 * simpler, but a transaction pooler such as PgBouncer refuses them, and `SET` on a pooled
 * session reaches one server connection only. A role setting applies to every server session
 * opened afterwards, whoever pools them; the session that writes it also takes the values with
 * `SET`, since a pooler keeps that session and hands it to others.
 *
 * Writes only when the stored values differ, under a transaction-scoped advisory lock, so that
 * instances starting together neither race on the catalog row nor write it on every start. A
 * read-only database (a standby) replays the primary's settings and cannot be altered: the
 * service starts there, warns, and its writes answer 503.
 */
export async function applySessionSettings(url: string, timeouts: SessionTimeouts): Promise<void> {
  const logger = new Logger('DatabaseSessions');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  const wanted = settingsOf(timeouts);
  try {
    await client.query('BEGIN');
    // Other starting instances hold this lock for a moment only; never wait on it for ever.
    await client.query(`SET LOCAL lock_timeout = ${SETTINGS_LOCK_WAIT_MS}`);
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETTINGS_LOCK_KEY]);
    const [current] = (
      await client.query<{
        role: string;
        database: string;
        settings: string[] | null;
        readOnly: boolean;
      }>(
        `SELECT current_user AS role, current_database() AS database,
                current_setting('transaction_read_only') = 'on' AS "readOnly",
                (SELECT setconfig FROM pg_db_role_setting
                  WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                    AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                ) AS settings`,
      )
    ).rows;
    // A standby replays the primary's settings: nothing to write there, nor possible.
    if (current.readOnly) warnReadOnly(logger);
    const stored = new Set(current.settings ?? []);
    const missing = current.readOnly
      ? []
      : wanted.filter(([name, value]) => !stored.has(`${name}=${value}`));
    const target = `ROLE ${client.escapeIdentifier(current.role)} IN DATABASE ${client.escapeIdentifier(current.database)}`;
    for (const [name, value] of missing) {
      await client.query(`ALTER ${target} SET ${name} = ${client.escapeLiteral(value)}`);
    }
    for (const [name, value] of wanted) {
      await client.query(`SET ${name} = ${client.escapeLiteral(value)}`);
    }
    await client.query('COMMIT');
    if (missing.length > 0) {
      logger.log(
        `Session timeouts set on ${target}: ${missing.map((s) => s.join('=')).join(', ')}`,
      );
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (!isReadOnlyDatabase(error)) throw error;
    warnReadOnly(logger);
  } finally {
    await client.end();
  }
}

function warnReadOnly(logger: Logger): void {
  logger.warn('DATABASE_URL is a read-only database (a standby?): writes will answer 503');
}
