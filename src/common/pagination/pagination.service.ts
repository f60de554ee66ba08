import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { type DataSource, ObjectLiteral, type QueryRunner, SelectQueryBuilder } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { InjectConfig } from '../../config/inject-config.decorator.js';
import { LAGGING_READS, type LaggingReads } from './lagging-reads.js';
import { ValidationFailedException } from '../errors/validation-failed.exception.js';
import { CursorCodec } from './cursor-codec.js';
import { Page, PageMeta } from './page.js';
import { PageQueryDto } from './page-query.dto.js';

/** How long a planner estimate above the threshold is reused (see plannerEstimate). */
const ESTIMATE_REUSE_MS = 1_000;

/** A page statement or the count: SQL with named parameters, bound on each run. */
interface Statement {
  sql: string;
}

/**
 * One list, compiled once from its query builder (the table, its alias, whether it is filtered
 * and the selected columns are all read from the builder and its entity metadata). Each page
 * then runs fixed statements with bound parameters: building and mapping a query per request
 * costs about a fifth of a list's CPU (docs/benchmarks.md).
 */
export class PagedList<R, T extends { id: number }> {
  constructor(
    private readonly pagination: PaginationService,
    readonly definition: CompiledList,
    private readonly fromRow: (row: R) => T,
  ) {}

  /** One page; `parameters` are the values of the builder's named parameters (`:userId`). */
  page(query: PageQueryDto, parameters: ObjectLiteral = {}): Promise<Page<T>> {
    return this.pagination.page(this.definition, query, parameters, this.fromRow);
  }
}

export interface CompiledList {
  /** The table behind the builder's main alias; names the list inside cursors. */
  table: string;
  /**
   * Whether the builder has a WHERE of its own: a filtered list is counted exactly (it is small
   * by construction), the whole table from the planner's estimate above the configured threshold.
   */
  filtered: boolean;
  connection: DataSource;
  /** The values the builder was given (`.where(…, { … })`), under those a page is given. */
  parameters: ObjectLiteral;
  offsetPage: Statement;
  cursorPage: Statement;
  count: Statement;
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

  /**
   * Compiles a list from `query`: every selectable column of the main entity is selected under
   * its database name (the row `fromRow` maps), with what the builder adds from its joins under
   * TypeORM's `<alias>_<column>` names. Values only ever reach the SQL as bound parameters.
   */
  compile<R, T extends { id: number }>(
    query: SelectQueryBuilder<T>,
    fromRow: (row: R) => T,
  ): PagedList<R, T> {
    const { alias, expressionMap } = query;
    const metadata = expressionMap.mainAlias!.metadata;
    const table = metadata.tableName;
    const joined = expressionMap.selects.filter(
      (select) => select.selection !== alias && !select.selection.startsWith(`${alias}.`),
    );
    const selected = query.clone();
    // Every selectable column of the entity under its database name, then the joins' columns.
    selected.expressionMap.selects = [
      ...metadata.columns
        .filter((column) => column.isSelect)
        .map((column) => ({
          selection: `${alias}.${column.propertyPath}`,
          aliasName: column.databaseName,
        })),
      ...joined,
    ];
    const ordered = (builder: SelectQueryBuilder<T>): string =>
      builder.orderBy(`${alias}.created_at`, 'DESC').addOrderBy(`${alias}.id`, 'DESC').getQuery() +
      ' LIMIT :pageLimit';
    // Keyset: rows strictly after the cursor's row in (created_at, id) order. The row's own
    // created_at is read by primary key, so microsecond timestamps never lose precision.
    const afterCursor = selected
      .clone()
      .andWhere(
        `(${alias}.created_at, ${alias}.id) < (SELECT c.created_at, c.id FROM ${query.escape(table)} c WHERE c.id = :pageAfterId)`,
      );
    const count = query.clone().orderBy().select(`COUNT(DISTINCT(${alias}.id))`, 'cnt').getQuery();
    return new PagedList(
      this,
      {
        table,
        filtered: expressionMap.wheres.length > 0,
        connection: query.connection,
        parameters: query.getParameters(),
        offsetPage: { sql: `${ordered(selected.clone())} OFFSET :pageOffset` },
        cursorPage: { sql: ordered(afterCursor) },
        count: { sql: count },
      },
      fromRow,
    );
  }

  async page<R, T extends { id: number }>(
    list: CompiledList,
    { page, per_page: perPage, cursor }: PageQueryDto,
    given: ObjectLiteral,
    fromRow: (row: R) => T,
  ): Promise<Page<T>> {
    const parameters = { ...list.parameters, ...given };
    if (page !== undefined && cursor !== undefined) {
      throw new BadRequestException('Use either page or cursor, not both');
    }
    const { table } = list;
    let statement = list.offsetPage;
    let bound: ObjectLiteral = {
      ...parameters,
      pageLimit: perPage + 1,
      pageOffset: ((page ?? 1) - 1) * perPage,
    };
    if (cursor !== undefined) {
      const afterId = this.cursors.decode(table, cursor);
      if (afterId === null) {
        throw new ValidationFailedException([{ field: 'cursor', message: 'cursor is not valid' }]);
      }
      statement = list.cursorPage;
      bound = { ...parameters, pageLimit: perPage + 1, pageAfterId: afterId };
    }
    const [sql, values] = list.connection.driver.escapeQueryWithParameters(statement.sql, bound);
    // A read retried on the primary must not keep the replica's runner: both run per attempt.
    const [rows, total] = await this.replicas.lagging((replica) =>
      Promise.all([
        list.connection.query<R[]>(sql, values, replica),
        this.count(list, parameters, replica),
      ]),
    );
    const hasMore = rows.length > perPage;
    const items = (hasMore ? rows.slice(0, perPage) : rows).map(fromRow);
    const meta: PageMeta = {
      ...(cursor === undefined ? { page: page ?? 1 } : {}),
      per_page: perPage,
      total: total.value,
      ...(total.estimated ? { total_is_estimate: true as const } : {}),
      next_cursor: hasMore ? this.cursors.encode(table, items[items.length - 1].id) : null,
    };
    return new Page(items, meta);
  }

  private async count(
    list: CompiledList,
    parameters: ObjectLiteral,
    replica: QueryRunner | undefined,
  ): Promise<{ value: number; estimated: boolean }> {
    if (!list.filtered) {
      const estimate = await this.plannerEstimate(list, replica);
      if (estimate > this.config.countEstimateThreshold) {
        return { value: estimate, estimated: true };
      }
    }
    const [sql, values] = list.connection.driver.escapeQueryWithParameters(
      list.count.sql,
      parameters,
    );
    const [row] = await list.connection.query<{ cnt: string | number }[]>(sql, values, replica);
    return { value: Number(row?.cnt ?? 0), estimated: false };
  }

  /**
   * The planner's row estimate for a table (-1 before its first ANALYZE). It only changes when
   * (auto)VACUUM or ANALYZE runs, so a value above the threshold is reused for a second rather
   * than read for every page: the query's round trip was up to a sixth of a /posts request.
   */
  private async plannerEstimate(
    list: CompiledList,
    replica: QueryRunner | undefined,
  ): Promise<number> {
    const { table } = list;
    const kept = this.estimates.get(table);
    if (kept && kept.until > Date.now()) return kept.value;
    const [row] = await list.connection.query<{ estimate: number }[]>(
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
