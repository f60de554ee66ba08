import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../observability/metrics-registry.js';
import { withTimeout } from '../redis/with-timeout.js';
import { MailOutbox } from './mail-outbox.service.js';

/**
 * Longest a scrape waits for the queue depth: a slow database or a busy pool must not hold
 * /metrics (a scrape that hangs is a monitoring outage of its own).
 */
const DEPTH_TIMEOUT_MS = 250;

/** The mail queue on /metrics: depth (read at scrape time), deliveries, failures, latency. */
@Injectable()
export class MailMetrics {
  private readonly deliveries: Counter<'kind'>;
  private readonly failures: Counter<'kind' | 'reason'>;
  private readonly latency: Histogram<'kind'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, outbox: MailOutbox) {
    let lastDepth = 0;
    new Gauge({
      name: 'mail_queue_depth',
      help: 'Mail messages queued and not yet finished (waiting, being sent or waiting for a retry)',
      registers: [registry],
      async collect() {
        // The last known depth while the database cannot answer in time: a scrape must not fail
        // or wait.
        lastDepth = await withTimeout(outbox.depth(), DEPTH_TIMEOUT_MS, 'mail queue depth').catch(
          () => lastDepth,
        );
        this.set(lastDepth);
      },
    });
    this.deliveries = new Counter({
      name: 'mail_deliveries_total',
      help: 'Mail messages handed to the transport (SMTP server or development files), by kind',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'mail_delivery_failures_total',
      help: 'Failed delivery attempts, by kind and reason (transient: retried later; rejected: the server refused the recipient for good)',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'mail_delivery_latency_seconds',
      help: 'Time from queueing a message to its delivery, by kind',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    });
  }

  delivered(kind: string, queuedAt: Date): void {
    this.deliveries.inc({ kind });
    this.latency.observe({ kind }, Math.max(0, (Date.now() - queuedAt.getTime()) / 1000));
  }

  failed(kind: string, reason: 'transient' | 'rejected'): void {
    this.failures.inc({ kind, reason });
  }
}
