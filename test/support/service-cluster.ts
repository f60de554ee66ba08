import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, startService, type RunningService } from './built-service.js';
import { TcpProxy } from './tcp-proxy.js';

/** One service process of a cluster, with the proxies between it and its engines (if any). */
export interface ClusterInstance {
  readonly name: string;
  readonly base: string;
  /** Between this instance and PostgreSQL, when asked for. */
  readonly databaseProxy?: TcpProxy;
  /** Between this instance and Redis, when asked for. */
  readonly redisProxy?: TcpProxy;
  readonly process: RunningService;
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
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = startService({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(join(tmpdir(), `cluster-${spec.name}-`)),
      DATABASE_URL: databaseProxy?.urlFor(this.options.databaseUrl) ?? this.options.databaseUrl,
      REDIS_URL: redisProxy?.urlFor(this.options.redisUrl) ?? this.options.redisUrl,
      RUN_MIGRATIONS: runMigrations,
      DATABASE_POOL_MAX: '6',
      LOG_LEVEL: 'error',
      RATE_LIMIT_MAX: '1000000',
      AUTH_RATE_LIMIT_MAX: '1000000',
      AUTH_ACCOUNT_RATE_LIMIT_MAX: '1000000',
      SIGNUP_RATE_LIMIT_MAX: '1000000',
      DOCS_ENABLED: 'false',
      ...shared,
      ...this.options.env,
    });
    const instance: ClusterInstance = {
      name: spec.name,
      base,
      databaseProxy,
      redisProxy,
      process: service,
      killed: false,
      async kill() {
        if (instance.killed) return;
        instance.killed = true;
        if (service.child.exitCode === null && service.child.signalCode === null) {
          service.child.kill('SIGKILL');
          await service.exited;
        }
      },
    };
    try {
      await eventually(async () => (await fetch(`${base}/ready`)).status === 200, 600);
    } catch (error) {
      await instance.kill();
      throw new Error(
        `instance ${spec.name} never became ready: ${service.stderr.join('').slice(-2000)}`,
        { cause: error },
      );
    }
    return instance;
  }
}
