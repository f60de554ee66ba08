import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddIdempotencyResponseEtag1795686914000 implements MigrationInterface {
  name = 'AddIdempotencyResponseEtag1795686914000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A replay carries the first response's ETag (API.md: a repeat gets the same response back).
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD COLUMN response_etag TEXT`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP COLUMN response_etag`);
  }
}
