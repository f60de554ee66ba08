import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.js';
import { createRedisClient, REDIS_CLIENT, type RedisClient } from './redis-client.js';

const logger = new Logger('Redis');

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RedisClient | null => {
        if (!config.redisUrl) return null;
        const client = createRedisClient(config.redisUrl);
        let healthy = true;
        client.on('error', (error: Error) => {
          // Logged once per outage: the client emits an error on every reconnect attempt.
          if (healthy) logger.warn(`Redis unavailable: ${error.message}`);
          healthy = false;
        });
        client.on('ready', () => {
          if (!healthy) logger.log('Redis connection restored');
          healthy = true;
        });
        // Connect in the background: the service starts and serves without Redis.
        client.connect().catch(() => undefined);
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient | null) {}

  /**
   * After the HTTP server has closed (not in onModuleDestroy), so draining requests keep Redis.
   * destroy(), not close(): close() waits for every pending reply, forever if Redis hangs.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.client?.isOpen) return;
    this.client.destroy();
    await Promise.resolve();
  }
}
