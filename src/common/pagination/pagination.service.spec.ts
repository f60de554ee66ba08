import { jest } from '@jest/globals';
import {
  Column,
  CreateDateColumn,
  DataSource,
  DeleteDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { ValidationFailedException } from '../errors/validation-failed.exception.js';
import { CursorCodec } from './cursor-codec.js';
import { PaginationService } from './pagination.service.js';
import { PageQueryDto } from './page-query.dto.js';
import type { LaggingReads } from './lagging-reads.js';

const config = {
  jwt: { secret: 'a-test-secret-that-is-at-least-32-bytes-long' },
  countEstimateThreshold: 10_000,
} as unknown as AppConfig;
/** No replica: every read on the primary, as ReplicaReads does without DATABASE_REPLICA_URLS. */
const primaryOnly = {
  lagging: (read: (runner: undefined) => Promise<unknown>) => read(undefined),
} as unknown as LaggingReads;

// Fixture entities shaped as the features' tables (common/ imports no feature): a hidden column,
// soft deletes, and a list filtered by a joined author.
@Entity('users')
class User {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'public_id' }) publicId!: string;
  @Column({ name: 'password_hash', select: false }) passwordHash!: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt!: Date;
  @DeleteDateColumn({ name: 'deleted_at' }) deletedAt!: Date | null;
}

@Entity('posts')
class Post {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'public_id' }) publicId!: string;
  @ManyToOne(() => User)
  @JoinColumn({ name: 'user_id' })
  author!: User;
  @CreateDateColumn({ name: 'created_at' }) createdAt!: Date;
  @DeleteDateColumn({ name: 'deleted_at' }) deletedAt!: Date | null;
}

function pageQuery(values: Partial<PageQueryDto>): PageQueryDto {
  return Object.assign(new PageQueryDto(), values);
}

describe('PaginationService', () => {
  // Metadata only: nothing here connects; the statements the lists run are recorded instead.
  const dataSource = new DataSource({ type: 'postgres', entities: [User, Post] });
  const sent: { sql: string; values: unknown[] }[] = [];
  /** What the planner's estimate answers (the threshold is 10,000). */
  let estimate = 5;
  const pagination = new PaginationService(new CursorCodec(config), config, primaryOnly);

  beforeAll(async () => {
    await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    dataSource.query = jest.fn((sql: string, values?: unknown[]) => {
      sent.push({ sql, values: values ?? [] });
      if (sql.includes('pg_class')) return Promise.resolve([{ estimate }]);
      if (sql.includes('COUNT(')) return Promise.resolve([{ cnt: '3' }]);
      return Promise.resolve([{ id: 7 }, { id: 6 }]);
    }) as unknown as DataSource['query'];
  });
  beforeEach(() => (sent.length = 0));

  const users = () =>
    pagination.compile(dataSource.createQueryBuilder(User, 'user'), (row: { id: number }) => row);
  const postsBy = () =>
    pagination.compile(
      dataSource
        .createQueryBuilder(Post, 'post')
        .innerJoin('post.author', 'author')
        .addSelect('author.publicId')
        .where('post.user_id = :userId'),
      (row: { id: number }) => row,
    );

  it('reads the table and whether the list is filtered from the query builder', () => {
    expect(users().definition).toMatchObject({ table: 'users', filtered: false });
    expect(postsBy().definition).toMatchObject({ table: 'posts', filtered: true });
  });

  it("selects the entity's selectable columns by database name, the joins' by TypeORM's alias, live rows only", () => {
    const { offsetPage, cursorPage } = postsBy().definition;
    expect(offsetPage.sql).toContain('"post"."public_id" AS "public_id"');
    expect(offsetPage.sql).toContain('"post"."created_at" AS "created_at"');
    expect(offsetPage.sql).toContain('"author"."public_id" AS "author_public_id"');
    expect(offsetPage.sql).toContain('"post"."deleted_at" IS NULL');
    expect(offsetPage.sql).toMatch(
      /ORDER BY "post"."created_at" DESC, "post"."id" DESC LIMIT :pageLimit OFFSET :pageOffset$/,
    );
    expect(cursorPage.sql).toContain('WHERE c.id = :pageAfterId');
    expect(users().definition.offsetPage.sql).not.toContain('password_hash');
  });

  it('binds every value as a parameter and counts a filtered list exactly', async () => {
    const page = await postsBy().page(pageQuery({ per_page: 2, page: 3 }), { userId: 42 });
    const [list, count] = sent;
    expect(list.sql).toContain('"post"."user_id" = $1');
    expect(list.sql).toMatch(/LIMIT \$2 OFFSET \$3$/);
    expect(list.values).toEqual([42, 3, 4]);
    expect(count.sql).toContain('COUNT(DISTINCT("post"."id"))');
    expect(count.values).toEqual([42]);
    expect(page.meta).toEqual({ page: 3, per_page: 2, total: 3, next_cursor: null });
  });

  it('counts the whole table from the estimate only above the threshold', async () => {
    const page = await users().page(pageQuery({ per_page: 1 }));
    // The estimate (5) is below the threshold: the exact count is read.
    expect(sent.map((s) => s.sql.includes('pg_class') || s.sql.includes('COUNT('))).toEqual([
      false,
      true,
      true,
    ]);
    expect(page.meta.total).toBe(3);
    expect(page.meta.total_is_estimate).toBeUndefined();
    expect(page.items).toEqual([{ id: 7 }]);
    expect(page.meta.next_cursor).not.toBeNull();
  });

  it('above the threshold, answers the estimate and sends no COUNT', async () => {
    estimate = 20_000;
    try {
      // A fresh service: the estimate is remembered per table for a second.
      const fresh = new PaginationService(new CursorCodec(config), config, primaryOnly);
      const list = fresh.compile(
        dataSource.createQueryBuilder(User, 'user'),
        (row: { id: number }) => row,
      );
      const page = await list.page(pageQuery({ per_page: 1 }));
      expect(sent.some((s) => s.sql.includes('COUNT('))).toBe(false);
      expect(page.meta).toMatchObject({ total: 20_000, total_is_estimate: true });
    } finally {
      estimate = 5;
    }
  });

  it('refuses a tampered or truncated cursor', async () => {
    const cursor = new CursorCodec(config).encode('users', 99);
    const flipped = `${cursor.slice(0, -2)}${cursor.at(-2) === 'A' ? 'B' : 'A'}${cursor.at(-1)}`;
    for (const bad of [flipped, cursor.slice(0, 10)]) {
      await expect(users().page(pageQuery({ cursor: bad }))).rejects.toThrow(
        ValidationFailedException,
      );
    }
  });

  it("reads the page after a cursor's row, and refuses another list's cursor", async () => {
    const cursor = new CursorCodec(config).encode('users', 99);
    await users().page(pageQuery({ per_page: 20, cursor }));
    expect(sent[0].sql).toMatch(/WHERE c.id = \$1\).*LIMIT \$2$/);
    expect(sent[0].values).toEqual([99, 21]);
    await expect(postsBy().page(pageQuery({ cursor }), { userId: 1 })).rejects.toThrow(
      ValidationFailedException,
    );
  });
});
