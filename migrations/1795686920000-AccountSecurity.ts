import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17: credential versions (a password change ends every older token), sessions (one per
 * login, the refresh-token family), emails of at most 254 characters (RFC 5321) in NFC.
 */
export class AccountSecurity1795686920000 implements MigrationInterface {
  name = 'AccountSecurity1795686920000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Incremented by every password change; access tokens carry it as `ver` (absent: 0), so a
    // token issued before a change no longer matches.
    await queryRunner.query(
      `ALTER TABLE users ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0`,
    );
    // Sign-up has always refused addresses over 254 characters (IsEmail), so no row is longer.
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(254)`);
    // Live emails to NFC, the form the API stores and looks up. Where two live accounts
    // share one NFC form (the duplicate the missing normalisation allowed), the oldest (or the
    // one already in NFC) gets it; the others keep their spelling, which no login can name any
    // more (input is normalised), for an operator to resolve: the unique index allows one.
    // normalize() needs a UTF8 database; in any other encoding emails are bytes and stay so.
    await queryRunner.query(`
      DO $$ BEGIN
        IF current_setting('server_encoding') = 'UTF8' THEN
          UPDATE users u SET email = normalize(u.email, NFC)
            FROM (SELECT DISTINCT ON (lower(normalize(email, NFC))) id FROM users
                   WHERE deleted_at IS NULL AND email IS NOT NFC NORMALIZED
                   ORDER BY lower(normalize(email, NFC)), id) first
           WHERE u.id = first.id
             AND NOT EXISTS (SELECT 1 FROM users o
                              WHERE o.deleted_at IS NULL AND o.id <> u.id
                                AND lower(o.email) = lower(normalize(u.email, NFC)));
        END IF;
      END $$`);

    // One row per login; id is the family_id of its refresh tokens. credential_version is the
    // user's at login: a session from before a password change is dead even if a login raced
    // the change.
    await queryRunner.query(`
      CREATE TABLE sessions (
        id                 UUID PRIMARY KEY,
        user_id            INTEGER NOT NULL REFERENCES users (id),
        credential_version INTEGER NOT NULL,
        user_agent         VARCHAR(512),
        ip                 VARCHAR(64),
        created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_used_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
        expires_at         TIMESTAMPTZ NOT NULL,
        revoked_at         TIMESTAMPTZ
      )`);
    await queryRunner.query(
      `CREATE INDEX sessions_user_live_idx ON sessions (user_id, created_at DESC) WHERE revoked_at IS NULL`,
    );
    // The families that exist become sessions (revoked if their newest token is).
    await queryRunner.query(`
      INSERT INTO sessions (id, user_id, credential_version, created_at, last_used_at, expires_at, revoked_at)
      SELECT family_id, min(user_id), 0, min(created_at), max(created_at), max(expires_at),
             CASE WHEN bool_or(revoked_at IS NOT NULL) THEN max(revoked_at) END
        FROM refresh_tokens GROUP BY family_id`);
    await queryRunner.query(
      `ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_session_fkey
         FOREIGN KEY (family_id) REFERENCES sessions (id)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_session_fkey`,
    );
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(255)`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN credential_version`);
  }
}
