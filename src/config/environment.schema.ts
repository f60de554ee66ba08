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
} from 'class-validator';

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
 * exposed to the rest of the code.
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
  @IsString()
  TRUST_PROXY?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  BODY_LIMIT_BYTES = 102_400;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  COUNT_ESTIMATE_THRESHOLD = 10_000;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_DRAIN_MS = 5000;

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

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
}
