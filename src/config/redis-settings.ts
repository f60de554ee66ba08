import { parseHostPortList, type RedisAuth, type RedisTarget } from './redis-target.js';
import type { EnvironmentSchema } from './environment.schema.js';

const WAYS = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;

/**
 * The Redis the validated environment names (undefined: none), or `fail` with a one-line message
 * naming the variable at fault: a bad combination must stop the start, not pick one silently.
 */
export function redisTarget(
  env: EnvironmentSchema,
  fail: (message: string) => never,
): RedisTarget | undefined {
  const set = WAYS.filter((name) => env[name] !== undefined);
  if (set.length > 1) {
    fail(`Invalid environment variable ${set[1]}: set only one of ${WAYS.join(', ')}`);
  }
  if (env.REDIS_SENTINEL_MASTER !== undefined && env.REDIS_SENTINELS === undefined) {
    fail('Invalid environment variable REDIS_SENTINEL_MASTER: goes with REDIS_SENTINELS');
  }
  const auth: RedisAuth = {
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    tls: env.REDIS_TLS,
  };
  if (set.length === 0 || env.REDIS_URL !== undefined) {
    const stray = (
      [
        'REDIS_USERNAME',
        'REDIS_PASSWORD',
        'REDIS_SENTINEL_USERNAME',
        'REDIS_SENTINEL_PASSWORD',
      ] as const
    ).find((name) => env[name] !== undefined);
    if (stray) {
      fail(
        `Invalid environment variable ${stray}: applies to REDIS_SENTINELS or REDIS_CLUSTER_NODES (a REDIS_URL carries its own credentials)`,
      );
    }
    if (env.REDIS_TLS) {
      fail(
        'Invalid environment variable REDIS_TLS: applies to REDIS_SENTINELS or REDIS_CLUSTER_NODES (use a rediss:// REDIS_URL)',
      );
    }
    return env.REDIS_URL === undefined ? undefined : { mode: 'standalone', url: env.REDIS_URL };
  }
  if (env.REDIS_SENTINELS !== undefined) {
    if (env.REDIS_SENTINEL_MASTER === undefined) {
      fail('Invalid environment variable REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS');
    }
    return {
      mode: 'sentinel',
      sentinels: nodesOf('REDIS_SENTINELS', env.REDIS_SENTINELS, fail),
      masterName: env.REDIS_SENTINEL_MASTER,
      auth,
      sentinelAuth: {
        username: env.REDIS_SENTINEL_USERNAME,
        password: env.REDIS_SENTINEL_PASSWORD,
        tls: env.REDIS_TLS,
      },
    };
  }
  if (env.REDIS_SENTINEL_USERNAME !== undefined || env.REDIS_SENTINEL_PASSWORD !== undefined) {
    const name = env.REDIS_SENTINEL_USERNAME !== undefined ? 'USERNAME' : 'PASSWORD';
    fail(`Invalid environment variable REDIS_SENTINEL_${name}: goes with REDIS_SENTINELS`);
  }
  return {
    mode: 'cluster',
    nodes: nodesOf('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES ?? '', fail),
    auth,
  };
}

function nodesOf(name: string, value: string, fail: (message: string) => never) {
  const nodes = parseHostPortList(value);
  if (!nodes) fail(`Invalid environment variable ${name}: a port is not between 1 and 65535`);
  return nodes;
}
