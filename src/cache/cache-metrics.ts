import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../observability/metrics-registry.js';
import { resourceKindOf } from './cache-keys.js';

/** Cache hits, misses and errors for /metrics, by resource kind (`user`, `post`). */
@Injectable()
export class CacheMetrics {
  private readonly hits: Counter<'resource'>;
  private readonly misses: Counter<'resource'>;
  private readonly errors: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.hits = new Counter({
      name: 'cache_hits_total',
      help: 'Cache-aside reads answered from the cache',
      labelNames: ['resource'],
      registers: [registry],
    });
    this.misses = new Counter({
      name: 'cache_misses_total',
      help: 'Cache-aside reads that went to the database',
      labelNames: ['resource'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'cache_errors_total',
      help: 'Cache operations that failed or timed out (the database answered instead)',
      registers: [registry],
    });
  }

  hit(key: string): void {
    this.hits.inc({ resource: resourceKindOf(key) });
  }

  miss(key: string): void {
    this.misses.inc({ resource: resourceKindOf(key) });
  }

  error(): void {
    this.errors.inc();
  }
}
