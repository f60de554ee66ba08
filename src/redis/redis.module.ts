import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.js';
import { createRedisConnection } from './create-redis-connection.js';
import { REDIS_CONNECTION, type RedisConnection } from './redis-connection.js';

const logger = new Logger('Redis');

/**
 * Production without Redis starts (one instance needs none), but several instances would each
 * keep their own cache (stale reads across instances) and their own rate-limit budget.
 */
export function missingRedisWarning(config: Pick<AppConfig, 'nodeEnv' | 'redis'>): string | null {
  if (config.redis || config.nodeEnv !== 'production') return null;
  return 'No Redis configured (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): the cache and the rate limits are per instance; run only one instance like this';
}

@Module({
  providers: [
    {
      provide: REDIS_CONNECTION,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RedisConnection | null => {
        const missing = missingRedisWarning(config);
        if (missing) logger.warn(missing);
        if (!config.redis) return null;
        const connection = createRedisConnection(config.redis);
        let healthy = true;
        connection.on('lost', (error: Error) => {
          // Logged once per outage: a reconnecting client reports every failed attempt.
          if (healthy) logger.warn(`Redis unavailable: ${error.message}`);
          healthy = false;
        });
        connection.on('master-changed', (address: string) => {
          logger.warn(`Redis master changed (Sentinel failover): following ${address}`);
        });
        connection.on('ready', () => {
          if (!healthy) logger.log('Redis connection restored');
          healthy = true;
        });
        // Connects in the background: the service starts and serves without Redis.
        connection.connect();
        return connection;
      },
    },
  ],
  exports: [REDIS_CONNECTION],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CONNECTION) private readonly connection: RedisConnection | null) {}

  /**
   * After the HTTP server has closed (not in onModuleDestroy), so draining requests keep Redis.
   * destroy(), not close(): close() waits for every pending reply, forever if Redis hangs.
   */
  async onApplicationShutdown(): Promise<void> {
    this.connection?.destroy();
    await Promise.resolve();
  }
}
