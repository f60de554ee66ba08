import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AppConfig } from './app-config.js';
import { EnvironmentSchema } from './environment.schema.js';

/** Thrown for a bad setting; main.ts prints its one-line message and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_PRODUCTION_SECRET_BYTES = 32;

/** Validates the environment (API.md, Configuration) and returns the typed configuration. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings count as unset, as shells and compose files often produce them.
  const provided = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const schema = plainToInstance(EnvironmentSchema, provided, { exposeDefaultValues: true });
  const errors = validateSync(schema, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const reason = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    throw new ConfigError(`Invalid environment variable ${first.property}: ${reason}`);
  }

  const production = schema.NODE_ENV === 'production';
  if (production && !schema.DATABASE_URL) {
    throw new ConfigError('Invalid environment variable DATABASE_URL: required in production');
  }
  if (production && Buffer.byteLength(schema.JWT_SECRET ?? '') < MIN_PRODUCTION_SECRET_BYTES) {
    throw new ConfigError(
      `Invalid environment variable JWT_SECRET: at least ${MIN_PRODUCTION_SECRET_BYTES} bytes required in production`,
    );
  }
  if (Boolean(schema.ADMIN_EMAIL) !== Boolean(schema.ADMIN_PASSWORD)) {
    const missing = schema.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL';
    throw new ConfigError(
      `Invalid environment variable ${missing}: ADMIN_EMAIL and ADMIN_PASSWORD go together`,
    );
  }

  const dataDir = resolve(schema.DATA_DIR);
  return {
    nodeEnv: schema.NODE_ENV as AppConfig['nodeEnv'],
    port: schema.PORT,
    host: schema.HOST,
    databaseUrl: schema.DATABASE_URL,
    databasePoolMax: schema.DATABASE_POOL_MAX,
    dataDir,
    runMigrations: schema.RUN_MIGRATIONS,
    redisUrl: schema.REDIS_URL,
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
    shutdownDrainMs: schema.SHUTDOWN_DRAIN_MS,
    admin:
      schema.ADMIN_EMAIL && schema.ADMIN_PASSWORD
        ? { email: schema.ADMIN_EMAIL, password: schema.ADMIN_PASSWORD }
        : undefined,
    logLevel: schema.LOG_LEVEL,
    corsOrigins: (schema.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    docsEnabled: schema.DOCS_ENABLED,
    otelEndpoint: schema.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
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
