import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@keyv/redis';
import { killRedisProcess, redisLog, spawnRedisProcess } from './redis-server.js';

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
  /** The last one started, running or not: its log outlives it. */
  private last?: ChildProcess;
  private stopped = false;

  constructor(
    readonly port: number,
    private readonly args: string[],
    /** Ports it listens on besides `port` (a cluster node's bus port). */
    private readonly alsoBinds: readonly number[] = [],
  ) {}

  async start(): Promise<void> {
    // A test that Jest has given up on may still be running after the setup was stopped.
    if (this.stopped) throw new Error(`redis-server on port ${this.port} was stopped for good`);
    this.child = this.last = await spawnRedisProcess(this.port, this.args, this.alsoBinds);
  }

  async kill(): Promise<void> {
    if (this.child) await killRedisProcess(this.child);
    this.child = undefined;
  }

  /** kill(), and no start() any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.kill();
  }

  /** Its last log lines (of the current process, or of the last one if it is not running). */
  log(lines = 30): string {
    return this.last ? redisLog(this.last, lines) : '(never started)';
  }
}

function serverArgs(port: number, dir: string, extra: string[] = []): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra];
}

/**
 * The Sentinels' timings (ms): down-after and failover-timeout as configured here, the others
 * Redis 7's fixed defaults. The waits of a test derive from them.
 */
export const SENTINEL_TIMING = {
  /** sentinel down-after-milliseconds: no valid PING reply for this long is S_DOWN. */
  downAfter: 1000,
  /** sentinel failover-timeout; a failed election is retried after twice this. */
  failoverTimeout: 3000,
  /**
   * How often a Sentinel reads INFO of a master and its replicas (of a replica every second
   * while its master is down or failing over, or its link to it is down).
   */
  infoPeriod: 10_000,
  /**
   * Hello messages. A server that reports master while Sentinel lists it as a replica is sent
   * REPLICAOF once it has reported so for 4 of these and an INFO comes after that.
   */
  publishPeriod: 2000,
  /** A Sentinel whose timer ran more than 2 s late (a loaded machine) does nothing for this long. */
  tiltPeriod: 30_000,
} as const;

/** repl-diskless-sync-delay, the default: a master waits this long before a full resync. */
export const FULL_RESYNC_DELAY_MS = 5000;

/**
 * Upper bounds, with room for a loaded machine: one TILT period, a full resync attempted twice (a
 * replica retries a failed one after a second), and 10 s more.
 */
export const SENTINEL_BOUNDS = {
  /** From the master's death to the Sentinels naming another one. */
  failoverMs:
    SENTINEL_TIMING.downAfter +
    2 * SENTINEL_TIMING.failoverTimeout +
    SENTINEL_TIMING.tiltPeriod +
    10_000,
  /** From a failover to the old master (still running) being a linked replica of the new one. */
  demotionMs:
    2 * SENTINEL_TIMING.infoPeriod +
    4 * SENTINEL_TIMING.publishPeriod +
    SENTINEL_TIMING.tiltPeriod +
    2 * FULL_RESYNC_DELAY_MS +
    10_000,
  /** From a replica's start to its link to the master: its full resync, nothing of Sentinel's. */
  resyncMs: 2 * FULL_RESYNC_DELAY_MS + 20_000,
} as const;

export interface SentinelSetup {
  readonly masterName: string;
  /** The two data servers: `servers[0]` starts as master, `servers[1]` as its replica. */
  readonly servers: readonly RedisProcess[];
  readonly sentinelPorts: readonly number[];
  /** REDIS_SENTINELS for the service. */
  readonly sentinelsSetting: string;
  /** The port of the master the Sentinels name now. */
  masterPort(): Promise<number>;
  /**
   * For an error message: each server's ROLE, the master each Sentinel names, and the last log
   * lines of every server and Sentinel.
   */
  report(lines?: number): Promise<string>;
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
        `sentinel down-after-milliseconds ${masterName} ${SENTINEL_TIMING.downAfter}`,
        `sentinel failover-timeout ${masterName} ${SENTINEL_TIMING.failoverTimeout}`,
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
    await Promise.all([...servers, ...sentinels].map((server) => server.stop()));
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
    async report(lines = 30) {
      const ask = (port: number, args: string[], password: string) =>
        redisCommand(port, args, password).then(
          (reply) => JSON.stringify(reply),
          (error: Error) => `(${error.message})`,
        );
      const roles = await Promise.all(
        servers.map(async (server) => {
          const role = await ask(server.port, ['ROLE'], passwords.servers);
          return `ROLE of ${server.port}: ${role}`;
        }),
      );
      const named = await Promise.all(
        sentinelPorts.map(async (port) => {
          const args = ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName];
          return `Sentinel ${port} names ${await ask(port, args, passwords.sentinels)}`;
        }),
      );
      const logs = [...servers, ...sentinels].map(
        (server) => `--- the last lines of ${server.port}:\n${server.log(lines)}`,
      );
      return [...roles, ...named, ...logs].join('\n');
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
        // The cluster bus: the port + 10000.
        [port + 10_000],
      ),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
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
