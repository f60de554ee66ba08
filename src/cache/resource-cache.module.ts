import { Global, Module } from '@nestjs/common';
import { CacheConfigModule } from './cache-config.module.js';
import { CacheMetrics } from './cache-metrics.js';
import { ResourceCache } from './resource-cache.service.js';

@Global()
@Module({
  imports: [CacheConfigModule],
  providers: [ResourceCache, CacheMetrics],
  exports: [ResourceCache],
})
export class ResourceCacheModule {}
