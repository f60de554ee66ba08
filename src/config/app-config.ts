/** The validated, typed configuration the application reads; built once by loadConfig(). */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PGlite database under dataDir. */
  readonly databaseUrl?: string;
  /** Connections per instance (the embedded database always uses one). */
  readonly databasePoolMax: number;
  readonly dataDir: string;
  readonly runMigrations: boolean;
  /** Unset: caches and rate-limit counters live in process memory. */
  readonly redisUrl?: string;
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
  readonly corsOrigins: readonly string[];
  readonly docsEnabled: boolean;
  readonly otelEndpoint?: string;
}

/** Injection token for AppConfig (an interface has no runtime value to inject by). */
export const APP_CONFIG = Symbol('APP_CONFIG');
