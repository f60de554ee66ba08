import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRefreshTokens1795686700000 implements MigrationInterface {
  name = 'CreateRefreshTokens1795686700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Only a SHA-256 of each token is kept; family_id ties the rotations of one login together.
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id          SERIAL PRIMARY KEY,
        token_hash  CHAR(64) NOT NULL,
        family_id   UUID NOT NULL,
        user_id     INTEGER NOT NULL REFERENCES users (id),
        expires_at  TIMESTAMPTZ NOT NULL,
        spent_at    TIMESTAMPTZ,
        revoked_at  TIMESTAMPTZ,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash)`,
    );
    await queryRunner.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE refresh_tokens`);
  }
}
