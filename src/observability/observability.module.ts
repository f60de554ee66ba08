import { Module } from '@nestjs/common';
import { MetricsRegistryModule } from './metrics-registry.module.js';
import { DatabasePoolMetrics } from './database-pool-metrics.js';
import { HttpMetrics } from './http-metrics.js';
import { MetricsController } from './metrics.controller.js';

@Module({
  imports: [MetricsRegistryModule],
  controllers: [MetricsController],
  providers: [HttpMetrics, DatabasePoolMetrics],
  exports: [HttpMetrics],
})
export class ObservabilityModule {}
