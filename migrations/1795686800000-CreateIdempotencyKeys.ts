import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdempotencyKeys1795686800000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1795686800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per (caller, route, key), hashed: the unique index is the atomic claim shared by all
    // instances. resource_public_id is written in the same transaction as the create it records.
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        id                 SERIAL PRIMARY KEY,
        scope_hash         CHAR(64) NOT NULL,
        request_hash       CHAR(64) NOT NULL,
        resource_public_id UUID,
        response_status    INTEGER,
        response_body      JSONB,
        response_location  TEXT,
        claimed_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
        completed_at       TIMESTAMPTZ,
        expires_at         TIMESTAMPTZ NOT NULL
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX idempotency_keys_scope_key ON idempotency_keys (scope_hash)`,
    );
    await queryRunner.query(
      `CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
  }
}
