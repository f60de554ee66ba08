import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { ObjectLiteral, type QueryRunner, SelectQueryBuilder } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/inject-config.decorator.js';
import { LAGGING_READS, type LaggingReads } from './lagging-reads.js';
import { ValidationFailedException } from '../errors/validation-failed.exception.js';
import { CursorCodec } from './cursor-codec.js';
import { Page, PageMeta } from './page.js';
import { PageQueryDto } from './page-query.dto.js';

/** How long a planner estimate above the threshold is reused (see plannerEstimate). */
const ESTIMATE_REUSE_MS = 1_000;

export interface PaginateOptions {
  /** The table behind the query builder's main alias; names the list inside cursors. */
  table: string;
  /**
   * Whether the list is filtered (counted exactly, it is small by construction) or the whole
   * table (counted from the planner's estimate above the configured threshold).
   */
  filtered: boolean;
}

/**
 * Newest-first pages, ordered by (created_at DESC, id DESC) so ties never skip or repeat a row,
 * in offset mode (`page`) or keyset mode (`cursor`). Pages may lag behind writes: they are read
 * from a replica when DATABASE_REPLICA_URLS names one (database/replica-reads.service.ts).
 */
@Injectable()
export class PaginationService {
  private readonly estimates = new Map<string, { value: number; until: number }>();

  constructor(
    private readonly cursors: CursorCodec,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(LAGGING_READS) private readonly replicas: LaggingReads,
  ) {}

  async paginate<T extends { id: number }>(
    query: SelectQueryBuilder<T>,
    { page, per_page: perPage, cursor }: PageQueryDto,
    { table, filtered }: PaginateOptions,
  ): Promise<Page<T>> {
    if (page !== undefined && cursor !== undefined) {
      throw new BadRequestException('Use either page or cursor, not both');
    }
    const alias = query.alias;
    let afterId: number | null = null;
    if (cursor !== undefined) {
      afterId = this.cursors.decode(table, cursor);
      if (afterId === null) {
        throw new ValidationFailedException([{ field: 'cursor', message: 'cursor is not valid' }]);
      }
    }

    const [rows, total] = await this.replicas.lagging((replica) => {
      // Fresh builders on each attempt: a read retried on the primary must not keep the
      // replica's runner.
      const counted = query.clone();
      const listed = query
        .clone()
        .orderBy(`${alias}.created_at`, 'DESC')
        .addOrderBy(`${alias}.id`, 'DESC')
        .limit(perPage + 1);
      if (replica) {
        counted.setQueryRunner(replica);
        listed.setQueryRunner(replica);
      }
      if (afterId !== null) {
        // Keyset: rows strictly after the cursor's row in (created_at, id) order. The row's own
        // created_at is read by primary key, so microsecond timestamps never lose precision.
        listed.andWhere(
          `(${alias}.created_at, ${alias}.id) < (SELECT c.created_at, c.id FROM ${table} c WHERE c.id = :afterId)`,
          { afterId },
        );
      } else {
        listed.offset(((page ?? 1) - 1) * perPage);
      }
      return Promise.all([listed.getMany(), this.count(counted, table, filtered, replica)]);
    });
    const hasMore = rows.length > perPage;
    const items = hasMore ? rows.slice(0, perPage) : rows;
    const meta: PageMeta = {
      ...(cursor === undefined ? { page: page ?? 1 } : {}),
      per_page: perPage,
      total: total.value,
      ...(total.estimated ? { total_is_estimate: true as const } : {}),
      next_cursor: hasMore ? this.cursors.encode(table, items[items.length - 1].id) : null,
    };
    return new Page(items, meta);
  }

  private async count<T extends ObjectLiteral>(
    query: SelectQueryBuilder<T>,
    table: string,
    filtered: boolean,
    replica: QueryRunner | undefined,
  ): Promise<{ value: number; estimated: boolean }> {
    if (!filtered) {
      const estimate = await this.plannerEstimate(query, table, replica);
      if (estimate > this.config.countEstimateThreshold) {
        return { value: estimate, estimated: true };
      }
    }
    return { value: await query.getCount(), estimated: false };
  }

  /**
   * The planner's row estimate for a table (-1 before its first ANALYZE). It only changes when
   * (auto)VACUUM or ANALYZE runs, so a value above the threshold is reused for a second rather
   * than read for every page: the query's round trip was up to a sixth of a /posts request.
   */
  private async plannerEstimate<T extends ObjectLiteral>(
    query: SelectQueryBuilder<T>,
    table: string,
    replica: QueryRunner | undefined,
  ): Promise<number> {
    const kept = this.estimates.get(table);
    if (kept && kept.until > Date.now()) return kept.value;
    const [row] = await query.connection.query<{ estimate: number }[]>(
      `SELECT reltuples::bigint::int8 AS estimate FROM pg_class WHERE oid = $1::regclass`,
      [table],
      replica,
    );
    const value = Number(row?.estimate ?? -1);
    if (value > this.config.countEstimateThreshold) {
      this.estimates.set(table, { value, until: Date.now() + ESTIMATE_REUSE_MS });
    }
    return value;
  }
}
