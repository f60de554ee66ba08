import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../observability/metrics-registry.js';

@Injectable()
export class RateLimitMetrics {
  private readonly rejections: Counter<'throttler'>;
  private readonly failOpen: Counter;
  private readonly local: Counter<'throttler'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.rejections = new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429, by limit (default, auth)',
      labelNames: ['throttler'],
      registers: [registry],
    });
    this.failOpen = new Counter({
      name: 'rate_limit_fail_open_total',
      help: 'Requests let through uncounted because the rate-limit store was unavailable',
      registers: [registry],
    });
    this.local = new Counter({
      name: 'rate_limit_local_fallback_total',
      help: 'Requests counted in process memory because the rate-limit store was unavailable, by limit (auth, signup, account)',
      labelNames: ['throttler'],
      registers: [registry],
    });
  }

  rejected(throttler: string): void {
    this.rejections.inc({ throttler });
  }

  failedOpen(): void {
    this.failOpen.inc();
  }

  countedLocally(throttler: string): void {
    this.local.inc({ throttler });
  }
}
