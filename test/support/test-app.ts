import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { buildOpenApiDocument } from '../../src/openapi/swagger.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AppConfig } from '../../src/config/app-config.js';
import { ResolvedDatabase } from '../../src/database/resolve-database.js';
import { ContractChecker } from './contract.js';
import { GENEROUS_LIMITS } from './generous-limits.js';
import { createTestDatabase } from './test-database.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  dataSource: DataSource;
  request(options: InjectOptions): Promise<InjectResponse>;
  /** Raw SQL against the app's database, for asserting what was stored. */
  sql<T = Record<string, unknown>>(query: string, parameters?: unknown[]): Promise<T[]>;
  /** `SELECT count(*) FROM {from} WHERE {where}`: how many rows are stored. */
  count(from: string, where?: string, parameters?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** The Redis the tests use (TEST_REDIS_URL or REDIS_URL); unset: in-process stores. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;

/**
 * Boots the real AppModule on Fastify against an isolated database, with settings from `env`
 * on top of test defaults: the test Redis, if any, under a key prefix of its own (pass
 * REDIS_KEY_PREFIX to make two apps share keys). Requests go through Fastify's inject (the whole
 * HTTP pipeline, no socket).
 */
export async function createTestApp(
  env: Record<string, string> = {},
  database?: ResolvedDatabase,
  options: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: '/nonexistent-test-data-dir',
    DOCS_ENABLED: 'false',
    ...(testRedisUrl ? { REDIS_URL: testRedisUrl } : {}),
    REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    // Out of the way unless a test is about rate limits (then it sets its own).
    ...GENEROUS_LIMITS,
    // No mail is sent unless a test is about mail (then it sets SMTP_URL and turns this on).
    MAIL_WORKER_ENABLED: 'false',
    ...env,
    DATABASE_URL: db.url,
  });
  const app = await createApp({ config, database: db, logDestination: options.logDestination });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const dataSource = app.get<DataSource>(getDataSourceToken());
  let checker: ContractChecker | undefined;
  return {
    app,
    config,
    dataSource,
    // Every response is checked against the OpenAPI document (contract.ts): one it does not
    // promise fails the test that received it.
    async request(options) {
      const response = await app.inject(options);
      checker ??= contractCheckerFor(app, config);
      const { method, url } = describeRequest(options);
      checker.assert(method, url, response);
      return response;
    },
    sql: (query, parameters) => dataSource.query(query, parameters),
    async count(from, where = 'TRUE', parameters = []) {
      const [row] = await dataSource.query<{ count: string }[]>(
        `SELECT count(*) AS count FROM ${from} WHERE ${where}`,
        parameters,
      );
      return Number(row.count);
    },
    async close() {
      await app.close();
      if (!database) await db.stop();
    },
  };
}

/** One checker per distinct document (apps with the same settings share it). */
const checkers = new Map<string, ContractChecker>();

function contractCheckerFor(app: NestFastifyApplication, config: AppConfig): ContractChecker {
  const document = buildOpenApiDocument(app, { docs: config.docsEnabled });
  const key = JSON.stringify(document);
  let checker = checkers.get(key);
  if (!checker) {
    checker = new ContractChecker(document);
    checkers.set(key, checker);
  }
  return checker;
}

function describeRequest(options: InjectOptions | string): { method: string; url: string } {
  if (typeof options === 'string') return { method: 'GET', url: options };
  const target = options.url ?? options.path ?? '/';
  const url = typeof target === 'string' ? target : (target.pathname ?? '/');
  return { method: options.method ?? 'GET', url };
}
