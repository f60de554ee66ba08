import type { RedisTarget } from './redis-target.js';

/** The validated, typed configuration the application reads; built once by loadConfig(). */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite database under dataDir. */
  readonly databaseUrl?: string;
  /** Connections per instance (the embedded database always uses one). */
  readonly databasePoolMax: number;
  /** Streaming replicas for list reads; empty: every read goes to the primary. */
  readonly databaseReplicaUrls: readonly string[];
  /** Longest a statement waits for a row or table lock (lock_timeout); 0 waits without limit. */
  readonly databaseLockTimeoutMs: number;
  /** Longest a start waits for another instance's migrations before giving up. */
  readonly migrationLockTimeoutSeconds: number;
  readonly dataDir: string;
  readonly runMigrations: boolean;
  /** Unset: caches and rate-limit counters live in process memory. */
  readonly redis?: RedisTarget;
  /** Namespace of every Redis key, so several deployments (or test runs) can share one Redis. */
  readonly redisKeyPrefix: string;
  readonly jwt: {
    readonly secret: string;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlSeconds: number;
  };
  readonly rateLimit: {
    readonly max: number;
    readonly windowSeconds: number;
    readonly authMax: number;
    /** Failed logins per account email per window, whatever the client address. */
    readonly accountMax: number;
    /** Sign-ups per client IP per window. */
    readonly signupMax: number;
  };
  readonly cacheTtlSeconds: number;
  /** Fastify trustProxy value; false trusts no proxy. */
  readonly trustProxy: boolean | number | string;
  readonly bodyLimitBytes: number;
  readonly countEstimateThreshold: number;
  readonly shutdownDrainMs: number;
  readonly admin?: { readonly email: string; readonly password: string };
  readonly logLevel: string;
  /** Unset: chosen at start (observability/log-format.ts). */
  readonly logFormat?: 'json' | 'pretty';
  readonly corsOrigins: readonly string[];
  readonly docsEnabled: boolean;
  readonly otelEndpoint?: string;
  readonly mail: {
    /** Unset: outside production each message is logged and written under dataDir/mail. */
    readonly smtpUrl?: string;
    readonly from: string;
    /** Whether this instance drains the mail queue. */
    readonly workerEnabled: boolean;
    readonly pollIntervalMs: number;
    /** Backoff between attempts: from retryMinMs, doubling, at most retryMaxMs. */
    readonly retryMinMs: number;
    readonly retryMaxMs: number;
  };
  readonly accounts: {
    /** Base of the links in account emails, without a trailing slash. */
    readonly publicUrl: string;
    readonly passwordResetTtlSeconds: number;
    readonly emailVerificationTtlSeconds: number;
    /** Reset and verification mails requested per address per hour. */
    readonly mailRateLimitMax: number;
  };
}

/** Injection token for AppConfig (an interface has no runtime value to inject by). */
export const APP_CONFIG = Symbol('APP_CONFIG');
