import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMailOutboxAndAccountTokens1795686900000 implements MigrationInterface {
  name = 'CreateMailOutboxAndAccountTokens1795686900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Accounts that existed before verification was introduced have not proved their address.
    await queryRunner.query(
      `ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT false`,
    );

    // The durable mail queue (src/mail/): a row is written in the same transaction as the change
    // that asks for the mail, claimed by one worker at a time under a lease, and kept with its
    // outcome once finished. Messages carry no secret: links are made when the mail is sent.
    await queryRunner.query(`
      CREATE TABLE mail_outbox (
        id              BIGSERIAL PRIMARY KEY,
        kind            VARCHAR(40) NOT NULL,
        recipient       VARCHAR(255) NOT NULL,
        user_id         INTEGER REFERENCES users (id),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        leased_until    TIMESTAMPTZ,
        last_error      TEXT,
        outcome         VARCHAR(16),
        created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at     TIMESTAMPTZ
      )`);
    await queryRunner.query(
      `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE finished_at IS NULL`,
    );
    // The per-address limit of account mails counts recent rows of one kind for one address.
    await queryRunner.query(
      `CREATE INDEX mail_outbox_recipient_idx ON mail_outbox (kind, lower(recipient), created_at)`,
    );

    // Single-use tokens of reset and verification links: only their SHA-256 is kept, with the
    // address the link was sent to (a token verifies that address, not whatever the user has now).
    await queryRunner.query(`
      CREATE TABLE account_tokens (
        id          SERIAL PRIMARY KEY,
        purpose     VARCHAR(20) NOT NULL,
        token_hash  CHAR(64) NOT NULL,
        user_id     INTEGER NOT NULL REFERENCES users (id),
        email       VARCHAR(255) NOT NULL,
        expires_at  TIMESTAMPTZ NOT NULL,
        used_at     TIMESTAMPTZ,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX account_tokens_token_hash_key ON account_tokens (token_hash)`,
    );
    await queryRunner.query(
      `CREATE INDEX account_tokens_live_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE account_tokens`);
    await queryRunner.query(`DROP TABLE mail_outbox`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN email_verified`);
  }
}
