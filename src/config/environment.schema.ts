import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { HOST_PORT_LIST } from './redis-target.js';
import { isCorsOriginList, isTrustProxy } from './setting-formats.js';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
  if (['false', '0', 'no', 'off'].includes(normalised)) return false;
  return value;
};

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * The environment variables of API.md's configuration table, as they arrive (strings), with
 * their defaults. Validation turns them into typed values; see app-config.ts for how they are
 * exposed to the rest of the code. Of a variable's rules that fail, the one written first is
 * reported (load-config.ts), so write the type check first: `PORT=abc` must say "an integer",
 * not "not greater than 65535".
 */
export class EnvironmentSchema {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  // Any libpq URL: host names with underscores, or no host and `?host=/socket/dir`.
  @IsOptional()
  @Matches(/^postgres(?:ql)?:\/\/\S*$/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// connection string',
  })
  DATABASE_URL?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_MAX = 10;

  // Comma-separated libpq URLs of streaming replicas that serve list reads (each one host: the
  // comma separates replicas, so libpq's multi-host form is not available here).
  @IsOptional()
  @Matches(/^\s*postgres(?:ql)?:\/\/[^\s,]*(?:\s*,\s*postgres(?:ql)?:\/\/[^\s,]*)*\s*$/, {
    message:
      'DATABASE_REPLICA_URLS must be comma-separated postgres:// or postgresql:// connection strings',
  })
  DATABASE_REPLICA_URLS?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(60_000)
  DATABASE_LOCK_TIMEOUT_MS = 1000;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  MIGRATION_LOCK_TIMEOUT_SECONDS = 60;

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';

  @Transform(toBoolean)
  @IsBoolean()
  RUN_MIGRATIONS = true;

  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  REDIS_KEY_PREFIX = 'users-posts-api';

  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must be a comma-separated host:port list' })
  REDIS_SENTINELS?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, {
    message: 'REDIS_SENTINEL_MASTER must be the master name the Sentinels monitor',
  })
  REDIS_SENTINEL_MASTER?: string;

  @IsOptional()
  @Matches(HOST_PORT_LIST, {
    message: 'REDIS_CLUSTER_NODES must be a comma-separated host:port list',
  })
  REDIS_CLUSTER_NODES?: string;

  // Credentials for the Redis servers with REDIS_SENTINELS or REDIS_CLUSTER_NODES (a REDIS_URL
  // carries its own: redis://user:password@host).
  @IsOptional()
  @IsString()
  REDIS_USERNAME?: string;

  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_USERNAME?: string;

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @Transform(toBoolean)
  @IsBoolean()
  REDIS_TLS = false;

  @IsOptional()
  @IsString()
  @MinLength(1)
  JWT_SECRET?: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'users-posts-api';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'users-posts-api';

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  REFRESH_TOKEN_TTL_SECONDS = 2_592_000;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 100;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT_MAX = 10;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUTH_ACCOUNT_RATE_LIMIT_MAX = 10;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  SIGNUP_RATE_LIMIT_MAX = 10;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  CACHE_TTL_SECONDS = 3600;

  @IsOptional()
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: isTrustProxy,
      defaultMessage: () =>
        'TRUST_PROXY must be true, false, a hop count, or comma-separated IP addresses and CIDR ranges (or loopback, linklocal, uniquelocal)',
    },
  })
  TRUST_PROXY?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  BODY_LIMIT_BYTES = 102_400;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  COUNT_ESTIMATE_THRESHOLD = 10_000;

  // Unset: 5000 in production, 0 elsewhere, so a development restart frees the port at once.
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_DRAIN_MS?: number;

  @IsOptional()
  @IsString()
  @IsEmail()
  @MaxLength(254)
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  ADMIN_PASSWORD?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  // Unset: pretty lines on a terminal outside production (observability/log-format.ts), JSON otherwise.
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  @IsOptional()
  @ValidateBy({
    name: 'isCorsOriginList',
    validator: {
      validate: isCorsOriginList,
      defaultMessage: () =>
        'CORS_ORIGINS must be comma-separated origins (scheme://host[:port], no path), e.g. https://app.example.com',
    },
  })
  CORS_ORIGINS?: string;

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  // Mail delivery (src/mail/) and the account links it carries (src/accounts/).
  @IsOptional()
  @IsUrl({ protocols: ['smtp', 'smtps'], require_tld: false, require_protocol: true })
  SMTP_URL?: string;

  @IsString()
  @Matches(/^[^\r\n]*@[^\r\n]*$/, { message: 'MAIL_FROM must be an address or "Name <address>"' })
  MAIL_FROM = 'Users & Posts API <no-reply@localhost>';

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  PUBLIC_URL?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(60)
  PASSWORD_RESET_TTL_SECONDS = 3600;

  @Transform(toInteger)
  @IsInt()
  @Min(60)
  EMAIL_VERIFICATION_TTL_SECONDS = 86_400;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  ACCOUNT_MAIL_RATE_LIMIT_MAX = 5;

  @Transform(toBoolean)
  @IsBoolean()
  MAIL_WORKER_ENABLED = true;

  @Transform(toInteger)
  @IsInt()
  @Min(10)
  MAIL_POLL_INTERVAL_MS = 1000;

  @Transform(toInteger)
  @IsInt()
  @Min(10)
  MAIL_RETRY_MIN_MS = 1000;

  @Transform(toInteger)
  @IsInt()
  @Min(10)
  MAIL_RETRY_MAX_MS = 300_000;
}
