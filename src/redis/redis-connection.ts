import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createClient, createCluster, type RedisClientOptions } from '@keyv/redis';
import type { RedisAuth, RedisMode, RedisNode } from '../config/redis-target.js';
import { REDIS_COMMAND_TIMEOUT_MS, withTimeout } from './with-timeout.js';

/** A client for one server, with the default commands and RESP2. */
export function createNodeClient(options: RedisClientOptions) {
  return createClient(options);
}

export type RedisNodeClient = ReturnType<typeof createNodeClient>;
export type RedisClusterClient = ReturnType<typeof createCluster>;

/** A Lua script with the SHA1 Redis caches it under (EVALSHA). */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

export function redisScript(source: string): RedisScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** Injection token: the shared Redis connection, or null when no Redis is configured. */
export const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');

/** What /ready shows of Redis. */
export interface RedisStatus {
  connected: boolean;
  mode: RedisMode;
  /** Of the server commands go to (ROLE): `master`, or `slave` for a replica. */
  role?: string;
  /** host:port of the server commands go to (Sentinel: the master it follows). */
  address?: string;
}

/**
 * The service's one way to Redis, in each mode: a single server, the master that Sentinel names,
 * or a Redis Cluster. Events:
 * - `lost` (Error): the connection to a server was lost or cannot be trusted; the cache must not
 *   serve hits before it has renewed its epoch (that server may come back with old data).
 * - `master-changed`: commands now go to another master (Sentinel failover); see ResourceCache.
 */
export abstract class RedisConnection extends EventEmitter {
  abstract readonly mode: RedisMode;
  /** Commands may be sent now (they fail at once otherwise: there is no offline queue). */
  abstract readonly isReady: boolean;
  /** The client commands go through; a single-server client, or a cluster client. */
  abstract readonly client: RedisNodeClient | RedisClusterClient;

  /** Connects in the background: the service starts and serves without Redis. */
  abstract connect(): void;
  /** Closes every connection without waiting for pending replies (a hung Redis never answers). */
  abstract destroy(): void;
  abstract status(): RedisStatus;

  /**
   * Sentinel only, for a few seconds after a failover: the demoted master while it may still
   * accept writes from instances that have not noticed the failover yet (see ResourceCache).
   */
  get previousMaster(): RedisNodeClient | undefined {
    return undefined;
  }

  /** Callers report failed commands, so that a connection that went read-only is replaced. */
  commandFailed(error: Error): void {
    void error;
  }

  /**
   * Runs a Lua script on the server that owns `key`: EVALSHA, so the script's body is not sent
   * (nor hashed by Redis) on every call; EVAL once where the server does not have it yet (a
   * restart, SCRIPT FLUSH, a promoted replica, another cluster node). NOSCRIPT means the script
   * did not run, so the retry cannot count twice. node-redis does the same for scripts given to
   * createClient (`scripts`), but those are fixed per client at creation and called through its
   * command parser; here the scripts belong to their features and the Sentinel master's client
   * is replaced on failover. The first command is written in the caller's tick (no await before
   * it), so it still shares the round trip of the other commands of that tick.
   */
  async eval(script: RedisScript, key: string, args: string[]): Promise<unknown> {
    try {
      return await this.send(key, ['EVALSHA', script.sha1, '1', key, ...args]);
    } catch (error) {
      if (!(error as Error | undefined)?.message?.startsWith('NOSCRIPT')) throw error;
      return this.send(key, ['EVAL', script.source, '1', key, ...args]);
    }
  }

  /** Sends a raw command to the server that owns `key`. */
  protected send(key: string, args: string[]): Promise<unknown> {
    void key;
    return (this.client as RedisNodeClient).sendCommand(args);
  }
}

/** Options every node connection shares: fail fast, reconnect in the background. */
export function nodeOptions(auth?: RedisAuth) {
  return {
    username: auth?.username,
    password: auth?.password,
    // A command while disconnected fails at once instead of waiting for a reconnection that may
    // never come.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      ...(auth?.tls ? { tls: true as const } : {}),
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  };
}

/** ROLE's first element: `master`, `slave` or `sentinel`. */
export async function roleOf(client: RedisNodeClient): Promise<string> {
  const reply = await withTimeout(
    client.sendCommand(['ROLE']),
    REDIS_COMMAND_TIMEOUT_MS,
    'Redis ROLE',
  );
  return String((reply as unknown as unknown[])[0]);
}

/** REDIS_URL: one server, reconnected to in the background. */
export class StandaloneConnection extends RedisConnection {
  readonly mode = 'standalone' as const;
  readonly client: RedisNodeClient;
  private role?: string;

  constructor(url: string) {
    super();
    this.client = createNodeClient({ url, ...nodeOptions() });
    this.client.on('error', (error: Error) => this.emit('lost', error));
    this.client.on('ready', () => {
      this.emit('ready');
      roleOf(this.client).then(
        (role) => (this.role = role),
        () => (this.role = undefined),
      );
    });
  }

  get isReady(): boolean {
    return this.client.isReady;
  }

  connect(): void {
    this.client.connect().catch(() => undefined);
  }

  destroy(): void {
    if (this.client.isOpen) this.client.destroy();
  }

  status(): RedisStatus {
    const { host, port } = (this.client.options?.socket ?? {}) as Partial<RedisNode>;
    return {
      connected: this.isReady,
      mode: this.mode,
      role: this.isReady ? this.role : undefined,
      address: host && port ? `${host}:${port}` : undefined,
    };
  }
}

const CLUSTER_RETRY_MS = 1000;

/**
 * REDIS_CLUSTER_NODES: node-redis's cluster client, which follows MOVED and ASK redirections
 * and rediscovers the slots itself. A lost connection to any node counts as `lost` (that node
 * may restart from disk with old entries and generations).
 */
export class ClusterConnection extends RedisConnection {
  readonly mode = 'cluster' as const;
  readonly client: RedisClusterClient;
  private connected = false;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(nodes: readonly RedisNode[], auth: RedisAuth) {
    super();
    const { socket, ...options } = nodeOptions(auth);
    this.client = createCluster({
      rootNodes: nodes.map(({ host, port }) => ({ socket: { host, port } })),
      defaults: { ...options, socket },
    });
    this.client.on('error', (error: Error) => this.emit('lost', error));
    this.client.on('node-error', (error: Error) => this.emit('lost', error));
    this.client.on('disconnect', () => (this.connected = false));
  }

  get isReady(): boolean {
    return this.connected && this.client.isOpen;
  }

  connect(): void {
    if (this.stopped) return;
    this.client.connect().then(
      () => {
        this.connected = true;
        this.emit('ready');
      },
      (error: Error) => {
        // The cluster client does not retry its first discovery: no root node answered.
        this.emit('lost', error);
        this.retry = setTimeout(() => this.connect(), CLUSTER_RETRY_MS).unref();
      },
    );
  }

  destroy(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    if (this.client.isOpen) this.client.destroy();
  }

  status(): RedisStatus {
    return { connected: this.isReady, mode: this.mode, role: this.isReady ? 'master' : undefined };
  }

  protected override send(key: string, args: string[]): Promise<unknown> {
    // Routed by the key's slot; MOVED and ASK are followed by the cluster client.
    return this.client.sendCommand(key, false, args);
  }
}
