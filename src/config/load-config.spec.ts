import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jest } from '@jest/globals';
import { ConfigError, loadConfig } from './load-config.js';

/** A JWT secret long enough for production (exactly 32 bytes is the minimum). */
const SECRET_32 = 'x'.repeat(32);
const DATABASE_URL = 'postgres://app:s3cret@db.internal:5432/app';

/** The error loadConfig throws for `env`; fails the test when it does not throw. */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

function without(env: NodeJS.ProcessEnv, variable: string): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name !== variable));
}

/** A ConfigError's message is a single line that names the offending variable. */
function expectOneLineNaming(error: ConfigError, variable: string): void {
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message).toMatch(new RegExp(`\\b${variable}\\b`));
}

describe('loadConfig', () => {
  let dataDir: string;
  let warn: jest.SpiedFunction<typeof process.emitWarning>;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'load-config-spec-'));
    // The generated-secret warning is asserted where it matters; elsewhere it is noise.
    warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Minimal valid environment outside production: no file is generated under DATA_DIR. */
  const base = (): NodeJS.ProcessEnv => ({ DATA_DIR: dataDir, JWT_SECRET: SECRET_32 });

  describe('defaults', () => {
    it('fills every setting of API.md from an otherwise empty environment', () => {
      const config = loadConfig(base());
      expect(config).toMatchObject({
        nodeEnv: 'development',
        port: 3000,
        host: '0.0.0.0',
        dataDir: resolve(dataDir),
        runMigrations: true,
        jwt: {
          secret: SECRET_32,
          accessTokenTtlSeconds: 900,
          refreshTokenTtlSeconds: 2_592_000,
        },
        rateLimit: { max: 100, windowSeconds: 60, authMax: 10, accountMax: 10, signupMax: 10 },
        cacheTtlSeconds: 3600,
        trustProxy: false,
        bodyLimitBytes: 102_400,
        countEstimateThreshold: 10_000,
        shutdownDrainMs: 0,
        logLevel: 'info',
        corsOrigins: [],
        docsEnabled: true,
      });
      expect(config.databaseUrl).toBeUndefined();
      expect(config.redis).toBeUndefined();
      expect(config.admin).toBeUndefined();
      expect(config.otelEndpoint).toBeUndefined();
      expect(config.logFormat).toBeUndefined();
    });

    it('drains for 5 s after SIGTERM in production, not at all elsewhere (a watcher restart frees the port at once)', () => {
      const production = { ...base(), NODE_ENV: 'production', DATABASE_URL };
      expect(loadConfig(production).shutdownDrainMs).toBe(5000);
      expect(loadConfig({ ...base(), NODE_ENV: 'development' }).shutdownDrainMs).toBe(0);
      expect(loadConfig({ ...base(), NODE_ENV: 'test' }).shutdownDrainMs).toBe(0);
      expect(loadConfig({ ...base(), SHUTDOWN_DRAIN_MS: '1500' }).shutdownDrainMs).toBe(1500);
      expect(loadConfig({ ...production, SHUTDOWN_DRAIN_MS: '0' }).shutdownDrainMs).toBe(0);
    });

    it.each(['json', 'pretty'])('reads LOG_FORMAT=%s', (format) => {
      expect(loadConfig({ ...base(), LOG_FORMAT: format }).logFormat).toBe(format);
    });

    it('uses a fixed, non-empty issuer and audience', () => {
      const first = loadConfig(base());
      const second = loadConfig(base());
      expect(first.jwt.issuer).toMatch(/\S/);
      expect(first.jwt.audience).toMatch(/\S/);
      expect(second.jwt.issuer).toBe(first.jwt.issuer);
      expect(second.jwt.audience).toBe(first.jwt.audience);
    });

    it('keeps data under ./.data by default (resolved to an absolute path)', () => {
      const config = loadConfig({ JWT_SECRET: SECRET_32 });
      expect(config.dataDir).toBe(resolve('./.data'));
    });

    it('ignores variables it does not know', () => {
      expect(() => loadConfig({ ...base(), HOME: '/root', SOMETHING_ELSE: '1' })).not.toThrow();
    });
  });

  describe('typed values', () => {
    it('parses integers', () => {
      const config = loadConfig({
        ...base(),
        PORT: '8080',
        ACCESS_TOKEN_TTL_SECONDS: '60',
        REFRESH_TOKEN_TTL_SECONDS: '3600',
        RATE_LIMIT_MAX: '5',
        RATE_LIMIT_WINDOW_SECONDS: '10',
        AUTH_RATE_LIMIT_MAX: '3',
        CACHE_TTL_SECONDS: '30',
        BODY_LIMIT_BYTES: '2048',
        COUNT_ESTIMATE_THRESHOLD: '0',
        SHUTDOWN_DRAIN_MS: '0',
      });
      expect(config).toMatchObject({
        port: 8080,
        jwt: { accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 3600 },
        rateLimit: { max: 5, windowSeconds: 10, authMax: 3 },
        cacheTtlSeconds: 30,
        bodyLimitBytes: 2048,
        countEstimateThreshold: 0,
        shutdownDrainMs: 0,
      });
    });

    it.each([
      ['true', true],
      ['false', false],
      ['TRUE', true],
      ['False', false],
      ['1', true],
      ['0', false],
      ['yes', true],
      ['no', false],
    ])('parses the boolean %p as %p', (text, value) => {
      const config = loadConfig({ ...base(), RUN_MIGRATIONS: text, DOCS_ENABLED: text });
      expect(config.runMigrations).toBe(value);
      expect(config.docsEnabled).toBe(value);
    });

    it('keeps strings as given', () => {
      const config = loadConfig({
        ...base(),
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        DATABASE_URL,
        REDIS_URL: 'redis://cache:6379/0',
        JWT_ISSUER: 'issuer.example',
        JWT_AUDIENCE: 'audience.example',
        LOG_LEVEL: 'debug',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      });
      expect(config).toMatchObject({
        nodeEnv: 'test',
        host: '127.0.0.1',
        databaseUrl: DATABASE_URL,
        redis: { mode: 'standalone', url: 'redis://cache:6379/0' },
        jwt: { issuer: 'issuer.example', audience: 'audience.example' },
        logLevel: 'debug',
        otelEndpoint: 'http://collector:4318',
      });
    });

    it.each([
      'postgres://postgres@127.0.0.1:5432/test',
      'postgresql://app:pw@localhost/app',
      'postgres://app:p%40ss@db.example.com:5432/app?sslmode=require',
      'postgres://app@[::1]:5432/app',
      // docker-compose style service name
      'postgres://app:pw@db_primary:5432/app',
      // libpq: host given as a Unix-domain socket directory (e.g. a Cloud SQL proxy)
      'postgres://app:pw@/app?host=/cloudsql/project:region:instance',
      'postgres:///app?host=/var/run/postgresql',
    ])('accepts the PostgreSQL connection string %s', (url) => {
      expect(loadConfig({ ...base(), DATABASE_URL: url }).databaseUrl).toBe(url);
    });

    it.each(['redis://127.0.0.1:6379', 'rediss://user:pw@cache.example.com:6380/1'])(
      'accepts the Redis URL %s',
      (url) => {
        expect(loadConfig({ ...base(), REDIS_URL: url }).redis).toEqual({
          mode: 'standalone',
          url,
        });
      },
    );
  });

  describe('bad values stop the start with one line naming the variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['NODE_ENV', 'staging'],
      ['RUN_MIGRATIONS', 'maybe'],
      ['DOCS_ENABLED', 'sometimes'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'not a url'],
      ['REDIS_URL', 'http://cache:6379'],
      ['LOG_LEVEL', 'loud'],
      ['BODY_LIMIT_BYTES', '0'],
      ['BODY_LIMIT_BYTES', '1kb'],
      ['ACCESS_TOKEN_TTL_SECONDS', '0'],
      ['REFRESH_TOKEN_TTL_SECONDS', '-5'],
      ['RATE_LIMIT_MAX', '0'],
      ['RATE_LIMIT_WINDOW_SECONDS', 'minute'],
      ['AUTH_RATE_LIMIT_MAX', '0'],
      ['CACHE_TTL_SECONDS', 'abc'],
      ['COUNT_ESTIMATE_THRESHOLD', '-1'],
      ['SHUTDOWN_DRAIN_MS', '-1'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
      ['DATABASE_REPLICA_URLS', 'mysql://replica'],
      ['DATABASE_REPLICA_URLS', 'postgres://a:5432/app,redis://b'],
      ['DATABASE_LOCK_TIMEOUT_MS', '-1'],
      ['DATABASE_LOCK_TIMEOUT_MS', '1s'],
      ['MIGRATION_LOCK_TIMEOUT_SECONDS', '0'],
      ['TRUST_PROXY', 'maybe'],
      ['TRUST_PROXY', '10.0.0.0/33'],
      ['TRUST_PROXY', '127.0.0.1,,10.0.0.1'],
      ['CORS_ORIGINS', 'not a url'],
      ['CORS_ORIGINS', 'https://app.example.com/path'],
      ['CORS_ORIGINS', 'https://app.example.com,ftp://files.example.com'],
      ['LOG_FORMAT', 'yaml'],
    ])('%s=%s', (variable, value) => {
      const error = configErrorFor({ ...base(), [variable]: value });
      expectOneLineNaming(error, variable);
    });

    it('ADMIN_PASSWORD shorter than 8 characters', () => {
      const error = configErrorFor({
        ...base(),
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'short',
      });
      expectOneLineNaming(error, 'ADMIN_PASSWORD');
    });

    it('ADMIN_EMAIL that is not an email address', () => {
      const error = configErrorFor({
        ...base(),
        ADMIN_EMAIL: 'not-an-email',
        ADMIN_PASSWORD: 'correct horse battery staple',
      });
      expectOneLineNaming(error, 'ADMIN_EMAIL');
    });

    it.each([
      ['PORT', 'abc', 'PORT must be an integer number'],
      ['PORT', '80.5', 'PORT must be an integer number'],
      ['PORT', '70000', 'PORT must not be greater than 65535'],
      ['PORT', '-1', 'PORT must not be less than 0'],
      ['CACHE_TTL_SECONDS', 'abc', 'CACHE_TTL_SECONDS must be an integer number'],
      ['SHUTDOWN_DRAIN_MS', 'soon', 'SHUTDOWN_DRAIN_MS must be an integer number'],
      ['TRUST_PROXY', 'maybe', 'TRUST_PROXY must be true, false, a hop count'],
      ['CORS_ORIGINS', 'not a url', 'CORS_ORIGINS must be comma-separated origins'],
      ['LOG_FORMAT', 'yaml', 'LOG_FORMAT must be one of the following values: json, pretty'],
    ])('%s=%s says what is wrong with it', (variable, value, reason) => {
      const error = configErrorFor({ ...base(), [variable]: value });
      expect(error.problems).toHaveLength(1);
      expect(error.message).toContain(`Invalid environment variable ${variable}: ${reason}`);
    });

    it('reports every bad variable at once, one line each', () => {
      const error = configErrorFor({
        ...base(),
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        TRUST_PROXY: 'maybe',
        CORS_ORIGINS: 'not a url',
      });
      const lines = error.message.split('\n');
      expect(lines).toEqual(error.problems);
      // In the order of the schema (environment.schema.ts).
      const variables = ['PORT', 'TRUST_PROXY', 'LOG_LEVEL', 'CORS_ORIGINS'];
      expect(lines).toHaveLength(variables.length);
      variables.forEach((variable, index) => {
        expect(lines[index]).toMatch(
          new RegExp(`^Invalid environment variable ${variable}: ${variable} `),
        );
      });
    });

    it('never echoes the bad value when it may hold a secret', () => {
      const error = configErrorFor({ ...base(), DATABASE_URL: 'mysql://app:hunter2@db/app' });
      expectOneLineNaming(error, 'DATABASE_URL');
      expect(error.message).not.toContain('hunter2');
    });
  });

  describe('production', () => {
    const production = (): NodeJS.ProcessEnv => ({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DATABASE_URL,
      JWT_SECRET: SECRET_32,
    });

    it('starts with DATABASE_URL and a 32-byte JWT_SECRET', () => {
      const config = loadConfig(production());
      expect(config.nodeEnv).toBe('production');
      expect(config.databaseUrl).toBe(DATABASE_URL);
      expect(config.jwt.secret).toBe(SECRET_32);
    });

    it('refuses to start without DATABASE_URL', () => {
      expectOneLineNaming(configErrorFor(without(production(), 'DATABASE_URL')), 'DATABASE_URL');
    });

    it('refuses to start without JWT_SECRET, and generates none', () => {
      expectOneLineNaming(configErrorFor(without(production(), 'JWT_SECRET')), 'JWT_SECRET');
      expect(readdirSync(dataDir)).toEqual([]);
    });

    it('refuses a JWT_SECRET of 31 bytes, without echoing it', () => {
      const secret = 's'.repeat(31);
      const error = configErrorFor({ ...production(), JWT_SECRET: secret });
      expectOneLineNaming(error, 'JWT_SECRET');
      expect(error.message).not.toContain(secret);
    });

    it('reports a short JWT_SECRET and a missing DATABASE_URL together, with any other bad variable', () => {
      const error = configErrorFor({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        JWT_SECRET: 'short',
        PORT: 'abc',
      });
      expect(error.problems).toEqual([
        'Invalid environment variable PORT: PORT must be an integer number',
        'Invalid environment variable DATABASE_URL: required in production',
        'Invalid environment variable JWT_SECRET: at least 32 bytes required in production',
      ]);
      expect(error.message).not.toContain('short');
    });

    it('counts the secret in bytes, not characters', () => {
      // 16 two-byte characters: 32 bytes.
      expect(loadConfig({ ...production(), JWT_SECRET: 'é'.repeat(16) }).jwt.secret).toBe(
        'é'.repeat(16),
      );
      // 15 two-byte characters and one one-byte character: 31 bytes, 16 characters.
      expectOneLineNaming(
        configErrorFor({ ...production(), JWT_SECRET: `${'é'.repeat(15)}a` }),
        'JWT_SECRET',
      );
    });
  });

  describe('database replicas and lock waits', () => {
    it('defaults to no replica, a 1 s lock wait and a 60 s migration-lock wait', () => {
      expect(loadConfig(base())).toMatchObject({
        databaseReplicaUrls: [],
        databaseLockTimeoutMs: 1000,
        migrationLockTimeoutSeconds: 60,
      });
    });

    it('splits DATABASE_REPLICA_URLS on commas, trimming blanks', () => {
      const config = loadConfig({
        ...base(),
        DATABASE_REPLICA_URLS: 'postgres://r1:5432/app , postgresql://r2/app',
      });
      expect(config.databaseReplicaUrls).toEqual(['postgres://r1:5432/app', 'postgresql://r2/app']);
    });
  });

  describe('admin bootstrap settings', () => {
    it('reads ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
      const config = loadConfig({
        ...base(),
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'correct horse battery staple',
      });
      expect(config.admin).toEqual({
        email: 'admin@example.com',
        password: 'correct horse battery staple',
      });
    });

    it('refuses ADMIN_EMAIL without ADMIN_PASSWORD', () => {
      const error = configErrorFor({ ...base(), ADMIN_EMAIL: 'admin@example.com' });
      expectOneLineNaming(error, 'ADMIN_PASSWORD');
    });

    it('refuses ADMIN_PASSWORD without ADMIN_EMAIL, without echoing the password', () => {
      const error = configErrorFor({ ...base(), ADMIN_PASSWORD: 'correct horse battery staple' });
      expectOneLineNaming(error, 'ADMIN_EMAIL');
      expect(error.message).not.toContain('correct horse battery staple');
    });
  });

  describe('empty strings count as unset', () => {
    it('falls back to the defaults', () => {
      const config = loadConfig({
        ...base(),
        PORT: '',
        RUN_MIGRATIONS: '',
        DATABASE_URL: '',
        REDIS_URL: '',
        LOG_LEVEL: '',
        TRUST_PROXY: '',
        CORS_ORIGINS: '',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        ADMIN_EMAIL: '',
        ADMIN_PASSWORD: '',
      });
      expect(config).toMatchObject({
        port: 3000,
        runMigrations: true,
        logLevel: 'info',
        trustProxy: false,
        corsOrigins: [],
      });
      expect(config.databaseUrl).toBeUndefined();
      expect(config.redis).toBeUndefined();
      expect(config.otelEndpoint).toBeUndefined();
      expect(config.admin).toBeUndefined();
    });

    it('treats an empty ADMIN_PASSWORD as missing', () => {
      const error = configErrorFor({
        ...base(),
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: '',
      });
      expectOneLineNaming(error, 'ADMIN_PASSWORD');
    });

    it('treats an empty DATABASE_URL as missing in production', () => {
      const error = configErrorFor({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        JWT_SECRET: SECRET_32,
      });
      expectOneLineNaming(error, 'DATABASE_URL');
    });

    it('treats an empty JWT_SECRET as missing in production', () => {
      const error = configErrorFor({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        DATABASE_URL,
        JWT_SECRET: '',
      });
      expectOneLineNaming(error, 'JWT_SECRET');
    });

    it('generates a development secret for an empty JWT_SECRET', () => {
      const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: '' });
      expect(Buffer.byteLength(config.jwt.secret)).toBeGreaterThanOrEqual(32);
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(true);
    });
  });

  describe('development secret', () => {
    it('is generated under DATA_DIR with a warning, and reused on the next start', () => {
      const nested = join(dataDir, 'not', 'yet', 'there');
      const first = loadConfig({ DATA_DIR: nested });

      expect(Buffer.byteLength(first.jwt.secret)).toBeGreaterThanOrEqual(32);
      const file = join(nested, 'jwt-secret');
      expect(readFileSync(file, 'utf8').trim()).toBe(first.jwt.secret);
      expect(statSync(file).mode & 0o077).toBe(0); // readable by its owner only
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain('JWT_SECRET');

      const second = loadConfig({ DATA_DIR: nested });
      expect(second.jwt.secret).toBe(first.jwt.secret);
      expect(warn).toHaveBeenCalledTimes(1);
    });

    it('differs between data directories', () => {
      const one = loadConfig({ DATA_DIR: join(dataDir, 'one') });
      const two = loadConfig({ DATA_DIR: join(dataDir, 'two') });
      expect(one.jwt.secret).not.toBe(two.jwt.secret);
    });

    it('is not generated when JWT_SECRET is set', () => {
      const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'given-secret' });
      expect(config.jwt.secret).toBe('given-secret');
      expect(readdirSync(dataDir)).toEqual([]);
      expect(warn).not.toHaveBeenCalled();
    });

    it('is also generated for NODE_ENV=test', () => {
      const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
      expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(config.jwt.secret);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['true', true],
      ['false', false],
      ['1', 1],
      ['2', 2],
      [' 3 ', 3],
      ['127.0.0.1', '127.0.0.1'],
      ['10.0.0.0/8,127.0.0.1', '10.0.0.0/8,127.0.0.1'],
      ['loopback, uniquelocal', 'loopback, uniquelocal'],
    ])('reads %p as Fastify trustProxy %p', (text, value) => {
      expect(loadConfig({ ...base(), TRUST_PROXY: text }).trustProxy).toEqual(value);
    });

    it('trusts no proxy when unset', () => {
      expect(loadConfig(base()).trustProxy).toBe(false);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('splits on commas, trimming spaces and dropping empty entries', () => {
      const config = loadConfig({
        ...base(),
        CORS_ORIGINS: ' https://a.example.com, https://b.example.com:8443 ,,',
      });
      expect(config.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com:8443']);
    });

    it('keeps a single origin', () => {
      expect(
        loadConfig({ ...base(), CORS_ORIGINS: 'https://app.example.com' }).corsOrigins,
      ).toEqual(['https://app.example.com']);
    });

    it('is off (no origins) when unset', () => {
      expect(loadConfig(base()).corsOrigins).toEqual([]);
    });
  });

  describe('mail and account links', () => {
    it('defaults: links on localhost at PORT, one-hour reset links, no SMTP, worker on', () => {
      const config = loadConfig({ ...base(), PORT: '4321' });
      expect(config.accounts).toEqual({
        publicUrl: 'http://localhost:4321',
        passwordResetTtlSeconds: 3600,
        emailVerificationTtlSeconds: 86_400,
        mailRateLimitMax: 5,
      });
      expect(config.mail).toMatchObject({ smtpUrl: undefined, workerEnabled: true });
    });

    it('takes smtp:// and smtps:// URLs and a PUBLIC_URL without its trailing slash', () => {
      const config = loadConfig({
        ...base(),
        SMTP_URL: 'smtps://user:pass@mail.example.com:465',
        PUBLIC_URL: 'https://app.example.com/',
      });
      expect(config.mail.smtpUrl).toBe('smtps://user:pass@mail.example.com:465');
      expect(config.accounts.publicUrl).toBe('https://app.example.com');
      expect(loadConfig({ ...base(), SMTP_URL: 'smtp://localhost:1025' }).mail.smtpUrl).toBe(
        'smtp://localhost:1025',
      );
    });

    it.each([
      [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
      [{ PUBLIC_URL: 'ftp://app.example.com' }, 'PUBLIC_URL'],
      [{ PASSWORD_RESET_TTL_SECONDS: '10' }, 'PASSWORD_RESET_TTL_SECONDS'],
      [{ MAIL_FROM: 'nobody' }, 'MAIL_FROM'],
      [{ MAIL_WORKER_ENABLED: 'maybe' }, 'MAIL_WORKER_ENABLED'],
    ])('%j stops with one line naming %s', (env, variable) => {
      expectOneLineNaming(configErrorFor({ ...base(), ...env }), variable);
    });

    it('caps the retry backoff at no less than its start', () => {
      const config = loadConfig({ ...base(), MAIL_RETRY_MIN_MS: '5000', MAIL_RETRY_MAX_MS: '100' });
      expect(config.mail).toMatchObject({ retryMinMs: 5000, retryMaxMs: 5000 });
    });
  });
});
