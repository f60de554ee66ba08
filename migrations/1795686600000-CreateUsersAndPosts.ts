import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersAndPosts1795686600000 implements MigrationInterface {
  name = 'CreateUsersAndPosts1795686600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id            SERIAL PRIMARY KEY,
        public_id     UUID NOT NULL DEFAULT gen_random_uuid(),
        email         VARCHAR(255) NOT NULL,
        name          VARCHAR(100) NOT NULL,
        password_hash TEXT NOT NULL,
        scopes        TEXT[] NOT NULL DEFAULT '{users:read,users:write,posts:read,posts:write}',
        version       INTEGER NOT NULL DEFAULT 1,
        created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
        deleted_at    TIMESTAMPTZ
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_public_id_key ON users (public_id)`);
    // Unique among live users only, so a deleted user's email can sign up again.
    await queryRunner.query(
      `CREATE UNIQUE INDEX users_email_live_key ON users (lower(email)) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX users_live_created_idx ON users (created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE posts (
        id         SERIAL PRIMARY KEY,
        public_id  UUID NOT NULL DEFAULT gen_random_uuid(),
        user_id    INTEGER NOT NULL REFERENCES users (id),
        title      VARCHAR(200) NOT NULL,
        body       TEXT NOT NULL,
        version    INTEGER NOT NULL DEFAULT 1,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        deleted_at TIMESTAMPTZ
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX posts_public_id_key ON posts (public_id)`);
    await queryRunner.query(
      `CREATE INDEX posts_live_created_idx ON posts (created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX posts_live_user_created_idx ON posts (user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE posts`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
