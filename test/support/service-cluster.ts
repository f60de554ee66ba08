import { randomBytes } from 'node:crypto';
import { GENEROUS_LIMITS } from './generous-limits.js';
import { type Instance, startInstance, stopInstance } from './service-instances.js';
import { TcpProxy } from './tcp-proxy.js';

/** One service process of a cluster, with the proxies between it and its engines (if any). */
export interface ClusterInstance extends Instance {
  /** Between this instance and PostgreSQL, when asked for. */
  readonly databaseProxy?: TcpProxy;
  /** Between this instance and Redis, when asked for. */
  readonly redisProxy?: TcpProxy;
  /** Whether it has been killed (SIGKILL). */
  killed: boolean;
  kill(): Promise<void>;
}

export interface InstanceSpec {
  name: string;
  /** Reach PostgreSQL through a TcpProxy of its own. */
  proxyDatabase?: boolean;
  /** Reach Redis through a TcpProxy of its own. */
  proxyRedis?: boolean;
}

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Settings for every instance, on top of the cluster's (shared secret, key prefix, ...). */
  env?: Record<string, string>;
}

/**
 * Several built service processes (test/support/built-service.ts, buildService() first) on one
 * PostgreSQL and one Redis, as production runs them behind a load balancer: the same JWT_SECRET
 * and REDIS_KEY_PREFIX, their own ports, and where asked a fault-injecting TcpProxy between an
 * instance and PostgreSQL or Redis. The first instance applies the migrations before the others
 * start.
 */
export class ServiceCluster {
  readonly instances: ClusterInstance[] = [];

  private constructor(private readonly options: ClusterOptions) {}

  static async start(options: ClusterOptions, specs: InstanceSpec[]): Promise<ServiceCluster> {
    const cluster = new ServiceCluster(options);
    const shared = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_KEY_PREFIX: `consistency-${randomBytes(6).toString('hex')}`,
    };
    try {
      const [first, ...rest] = specs;
      cluster.instances.push(await cluster.startOne(first, shared, 'true'));
      cluster.instances.push(
        ...(await Promise.all(rest.map((spec) => cluster.startOne(spec, shared, 'false')))),
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get(name: string): ClusterInstance {
    const instance = this.instances.find((candidate) => candidate.name === name);
    if (!instance) throw new Error(`no instance ${name}`);
    return instance;
  }

  live(): ClusterInstance[] {
    return this.instances.filter((instance) => !instance.killed);
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.kill()));
    const proxies = this.instances.flatMap((instance) =>
      [instance.databaseProxy, instance.redisProxy].filter((proxy) => proxy !== undefined),
    );
    await Promise.all(proxies.map((proxy) => proxy.stop()));
  }

  private async startOne(
    spec: InstanceSpec,
    shared: Record<string, string>,
    runMigrations: string,
  ): Promise<ClusterInstance> {
    const databaseProxy = spec.proxyDatabase
      ? TcpProxy.forUrl(this.options.databaseUrl)
      : undefined;
    const redisProxy = spec.proxyRedis ? TcpProxy.forUrl(this.options.redisUrl, 6379) : undefined;
    await databaseProxy?.start();
    await redisProxy?.start();
    const started = await startInstance(spec.name, {
      NODE_ENV: 'test',
      TRUST_PROXY: 'false',
      DATABASE_URL: databaseProxy?.urlFor(this.options.databaseUrl) ?? this.options.databaseUrl,
      REDIS_URL: redisProxy?.urlFor(this.options.redisUrl) ?? this.options.redisUrl,
      RUN_MIGRATIONS: runMigrations,
      DATABASE_POOL_MAX: '6',
      LOG_LEVEL: 'error',
      ...GENEROUS_LIMITS,
      DOCS_ENABLED: 'false',
      ...shared,
      ...this.options.env,
    });
    const instance: ClusterInstance = {
      ...started,
      databaseProxy,
      redisProxy,
      killed: false,
      async kill() {
        if (instance.killed) return;
        instance.killed = true;
        await stopInstance(instance);
      },
    };
    return instance;
  }
}
