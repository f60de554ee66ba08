import { Module } from '@nestjs/common';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics-registry.js';

@Module({
  providers: [{ provide: METRICS_REGISTRY, useFactory: createMetricsRegistry }],
  exports: [METRICS_REGISTRY],
})
export class MetricsRegistryModule {}
