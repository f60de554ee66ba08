import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@keyv/redis';
import { killRedisProcess, spawnRedisProcess } from './redis-server.js';

/** Sends one command to 127.0.0.1:`port` on a connection of its own. */
export async function redisCommand(
  port: number,
  args: string[],
  password?: string,
): Promise<unknown> {
  const client = createClient({
    password,
    socket: { host: '127.0.0.1', port, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}

/** Polls `check` every 100 ms until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One redis-server of a topology, to kill and restart with the same arguments. */
export class RedisProcess {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  async start(): Promise<void> {
    this.child = await spawnRedisProcess(this.port, this.args);
  }

  async kill(): Promise<void> {
    if (this.child) await killRedisProcess(this.child);
    this.child = undefined;
  }
}

function serverArgs(port: number, dir: string, extra: string[] = []): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra];
}

export interface SentinelSetup {
  readonly masterName: string;
  /** The two data servers: `servers[0]` starts as master, `servers[1]` as its replica. */
  readonly servers: readonly RedisProcess[];
  readonly sentinelPorts: readonly number[];
  /** REDIS_SENTINELS for the service. */
  readonly sentinelsSetting: string;
  /** The port of the master the Sentinels name now. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and three Sentinels (quorum 2) on `ports[0..4]`; the data servers and the
 * Sentinels each require their own password. Data servers keep an append-only file, so that a
 * killed master comes back with its old data, as in production. Waits until every Sentinel knows
 * the replica and the other two Sentinels (a failover needs them).
 */
export async function startSentinelSetup(
  ports: readonly number[],
  passwords: { servers: string; sentinels: string },
): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'test-sentinel-'));
  const masterName = 'test-master';
  const [masterPort, replicaPort, ...sentinelPorts] = ports;
  const persistent = [
    ...['--appendonly', 'yes', '--appendfsync', 'always'],
    ...['--requirepass', passwords.servers, '--masterauth', passwords.servers],
  ];
  const servers = [
    new RedisProcess(masterPort, serverArgs(masterPort, join(dir, 'a'), persistent)),
    new RedisProcess(
      replicaPort,
      serverArgs(replicaPort, join(dir, 'b'), [
        ...persistent,
        '--replicaof',
        '127.0.0.1',
        String(masterPort),
      ]),
    ),
  ];
  const sentinels = sentinelPorts.map((port) => {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 3000`,
        `sentinel parallel-syncs ${masterName} 1`,
        `sentinel auth-pass ${masterName} ${passwords.servers}`,
        `requirepass ${passwords.sentinels}`,
        `sentinel sentinel-pass ${passwords.sentinels}`,
        '',
      ].join('\n'),
    );
    return new RedisProcess(port, [conf, '--sentinel']);
  });
  const stop = async () => {
    await Promise.all([...servers, ...sentinels].map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // redis-server needs its --dir to exist.
    for (const name of ['a', 'b']) mkdirSync(join(dir, name));
    for (const server of [...servers, ...sentinels]) await server.start();
    for (const port of sentinelPorts) {
      await until(`Sentinel ${port} sees the replica and the other Sentinels`, async () => {
        const ask = (command: string) =>
          redisCommand(port, ['SENTINEL', command, masterName], passwords.sentinels);
        const replicas = (await ask('REPLICAS')) as unknown[];
        const others = (await ask('SENTINELS')) as unknown[];
        return replicas.length === 1 && others.length === 2;
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    masterName,
    servers,
    sentinelPorts,
    sentinelsSetting: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    async masterPort() {
      const reply = await redisCommand(
        sentinelPorts[0],
        ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName],
        passwords.sentinels,
      );
      return Number((reply as string[])[1]);
    },
    stop,
  };
}

export interface ClusterSetup {
  readonly ports: readonly number[];
  readonly nodes: readonly RedisProcess[];
  /** REDIS_CLUSTER_NODES for the service. */
  readonly nodesSetting: string;
  stop(): Promise<void>;
}

/**
 * Three masters (no replicas) on `ports`, joined with `redis-cli --cluster create`; every node
 * requires `password` (AUTH) when one is given.
 */
export async function startCluster(
  ports: readonly number[],
  password?: string,
): Promise<ClusterSetup> {
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const dir = mkdtempSync(join(tmpdir(), 'test-cluster-'));
  const nodes = ports.map(
    (port) =>
      new RedisProcess(
        port,
        serverArgs(port, dir, [
          '--appendonly',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          ...auth,
        ]),
      ),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const node of nodes) await node.start();
    await promisify(execFile)('redis-cli', [
      ...(password ? ['-a', password, '--no-auth-warning'] : []),
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await clusterOk(ports, password);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, nodes, nodesSetting: ports.map((port) => `127.0.0.1:${port}`).join(','), stop };
}

/** Waits until every node of `ports` reports cluster_state:ok. */
export async function clusterOk(ports: readonly number[], password?: string): Promise<void> {
  for (const port of ports) {
    await until(`cluster node ${port} is ok`, async () => {
      const info = String(await redisCommand(port, ['CLUSTER', 'INFO'], password));
      return info.includes('cluster_state:ok');
    });
  }
}
