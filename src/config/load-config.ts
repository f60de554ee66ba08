import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { StartupError } from './startup-error.js';
import { AppConfig } from './app-config.js';
import { EnvironmentSchema } from './environment.schema.js';
import type { RedisTarget } from './redis-target.js';
import { redisTarget } from './redis-settings.js';
import { listItems } from './setting-formats.js';

/**
 * Thrown for bad settings; main.ts prints its message and exits non-zero. The message has one
 * line per bad variable, so that a person fixes them all in one go.
 */
export class ConfigError extends StartupError {
  override name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

const MIN_PRODUCTION_SECRET_BYTES = 32;
const PRODUCTION_DRAIN_MS = 5000;

/** Validates the environment (API.md, Configuration) and returns the typed configuration. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings count as unset, as shells and compose files often produce them.
  const provided = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const schema = plainToInstance(EnvironmentSchema, provided, { exposeDefaultValues: true });
  const invalid = validateSync(schema, { whitelist: true, forbidUnknownValues: false });
  const problems = [...invalid.map(describe), ...crossVariableProblems(schema)];
  const redis = redisOf(schema, invalid, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const production = schema.NODE_ENV === 'production';
  const dataDir = resolve(schema.DATA_DIR);
  return {
    nodeEnv: schema.NODE_ENV as AppConfig['nodeEnv'],
    port: schema.PORT,
    host: schema.HOST,
    databaseUrl: schema.DATABASE_URL,
    databasePoolMax: schema.DATABASE_POOL_MAX,
    databaseReplicaUrls: (schema.DATABASE_REPLICA_URLS ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
    databaseLockTimeoutMs: schema.DATABASE_LOCK_TIMEOUT_MS,
    migrationLockTimeoutSeconds: schema.MIGRATION_LOCK_TIMEOUT_SECONDS,
    dataDir,
    runMigrations: schema.RUN_MIGRATIONS,
    redis,
    redisKeyPrefix: schema.REDIS_KEY_PREFIX,
    jwt: {
      secret: schema.JWT_SECRET ?? developmentSecret(dataDir),
      issuer: schema.JWT_ISSUER,
      audience: schema.JWT_AUDIENCE,
      accessTokenTtlSeconds: schema.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: schema.REFRESH_TOKEN_TTL_SECONDS,
    },
    rateLimit: {
      max: schema.RATE_LIMIT_MAX,
      windowSeconds: schema.RATE_LIMIT_WINDOW_SECONDS,
      authMax: schema.AUTH_RATE_LIMIT_MAX,
      accountMax: schema.AUTH_ACCOUNT_RATE_LIMIT_MAX,
      signupMax: schema.SIGNUP_RATE_LIMIT_MAX,
    },
    cacheTtlSeconds: schema.CACHE_TTL_SECONDS,
    trustProxy: parseTrustProxy(schema.TRUST_PROXY),
    bodyLimitBytes: schema.BODY_LIMIT_BYTES,
    countEstimateThreshold: schema.COUNT_ESTIMATE_THRESHOLD,
    shutdownDrainMs: schema.SHUTDOWN_DRAIN_MS ?? (production ? PRODUCTION_DRAIN_MS : 0),
    admin:
      schema.ADMIN_EMAIL && schema.ADMIN_PASSWORD
        ? { email: schema.ADMIN_EMAIL, password: schema.ADMIN_PASSWORD }
        : undefined,
    logLevel: schema.LOG_LEVEL,
    logFormat: schema.LOG_FORMAT,
    corsOrigins: listItems(schema.CORS_ORIGINS ?? ''),
    docsEnabled: schema.DOCS_ENABLED,
    otelEndpoint: schema.OTEL_EXPORTER_OTLP_ENDPOINT,
    mail: {
      smtpUrl: schema.SMTP_URL,
      from: schema.MAIL_FROM,
      workerEnabled: schema.MAIL_WORKER_ENABLED,
      pollIntervalMs: schema.MAIL_POLL_INTERVAL_MS,
      retryMinMs: schema.MAIL_RETRY_MIN_MS,
      retryMaxMs: Math.max(schema.MAIL_RETRY_MIN_MS, schema.MAIL_RETRY_MAX_MS),
    },
    accounts: {
      publicUrl: (schema.PUBLIC_URL ?? `http://localhost:${schema.PORT}`).replace(/\/+$/, ''),
      passwordResetTtlSeconds: schema.PASSWORD_RESET_TTL_SECONDS,
      emailVerificationTtlSeconds: schema.EMAIL_VERIFICATION_TTL_SECONDS,
      mailRateLimitMax: schema.ACCOUNT_MAIL_RATE_LIMIT_MAX,
    },
  };
}

/**
 * One line for a variable: the rule written first in the schema that it fails. class-validator
 * lists a property's failed rules in the order their decorators were applied, bottom-up.
 */
function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {});
  return `Invalid environment variable ${error.property}: ${reasons.at(-1) ?? 'is invalid'}`;
}

/**
 * The Redis settings taken together (which mode, credentials), once each of them is valid on its
 * own, so that a variable is reported once. Adds what is wrong to `problems`.
 */
function redisOf(
  schema: EnvironmentSchema,
  invalid: ValidationError[],
  problems: string[],
): RedisTarget | undefined {
  if (invalid.some((error) => error.property.startsWith('REDIS_'))) return undefined;
  try {
    return redisTarget(schema, (message) => {
      throw new ConfigError([message]);
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

/** The rules that span variables, or depend on NODE_ENV. */
function crossVariableProblems(schema: EnvironmentSchema): string[] {
  const problems: string[] = [];
  if (schema.NODE_ENV === 'production') {
    if (!schema.DATABASE_URL) {
      problems.push('Invalid environment variable DATABASE_URL: required in production');
    }
    const secret = typeof schema.JWT_SECRET === 'string' ? schema.JWT_SECRET : '';
    if (Buffer.byteLength(secret) < MIN_PRODUCTION_SECRET_BYTES) {
      problems.push(
        `Invalid environment variable JWT_SECRET: at least ${MIN_PRODUCTION_SECRET_BYTES} bytes required in production`,
      );
    }
  }
  if (Boolean(schema.ADMIN_EMAIL) !== Boolean(schema.ADMIN_PASSWORD)) {
    const missing = schema.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL';
    problems.push(
      `Invalid environment variable ${missing}: ADMIN_EMAIL and ADMIN_PASSWORD go together`,
    );
  }
  return problems;
}

/** Fastify's trustProxy syntax: true/false, a hop count, or a list of addresses/CIDRs. */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined) return false;
  const trimmed = value.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

/**
 * Outside production a missing JWT_SECRET is generated once and kept under DATA_DIR, so tokens
 * survive restarts of a developer's instance.
 */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  process.emitWarning(`JWT_SECRET is not set: generated one and kept it in ${file}`);
  return secret;
}
