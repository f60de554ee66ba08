import { Module } from '@nestjs/common';
import { MetricsRegistryModule } from '../observability/metrics-registry.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { CacheConfigModule } from './cache-config.module.js';
import { CacheMetrics } from './cache-metrics.js';
import { ResourceCache } from './resource-cache.service.js';

@Module({
  imports: [CacheConfigModule, RedisModule, MetricsRegistryModule],
  providers: [ResourceCache, CacheMetrics],
  exports: [ResourceCache],
})
export class ResourceCacheModule {}
