import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from './metrics-registry.js';

/** pg pool size, connections in use and queries waiting for one (queue depth), read at scrape time. */
@Injectable()
export class DatabasePoolMetrics {
  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    @InjectDataSource() dataSource: DataSource,
  ) {
    const pool = (): Pool | undefined => (dataSource.driver as unknown as { master?: Pool }).master;
    new Gauge({
      name: 'db_pool_connections',
      help: 'Open database connections in the pool',
      registers: [registry],
      collect() {
        this.set(pool()?.totalCount ?? 0);
      },
    });
    new Gauge({
      name: 'db_pool_connections_in_use',
      help: 'Database connections checked out of the pool',
      registers: [registry],
      collect() {
        const current = pool();
        this.set(current ? current.totalCount - current.idleCount : 0);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Queries waiting for a free connection (queue depth)',
      registers: [registry],
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
  }
}
