import {
  ClusterConnection,
  type RedisConnection,
  StandaloneConnection,
} from './redis-connection.js';
import type { RedisTarget } from '../config/redis-target.js';
import { SentinelConnection } from './sentinel-connection.js';

/** The connection for the configured mode (not connected yet). */
export function createRedisConnection(target: RedisTarget): RedisConnection {
  switch (target.mode) {
    case 'standalone':
      return new StandaloneConnection(target.url);
    case 'sentinel':
      return new SentinelConnection(
        target.sentinels,
        target.masterName,
        target.auth,
        target.sentinelAuth,
      );
    case 'cluster':
      return new ClusterConnection(target.nodes, target.auth);
  }
}
