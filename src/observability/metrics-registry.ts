import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Each application instance has its own Prometheus registry (tests boot several in one process;
 * the global registry would refuse the second set of metrics). It starts with the default process
 * metrics, event-loop lag included.
 */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
