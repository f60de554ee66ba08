import {
  createNodeClient,
  nodeOptions,
  RedisConnection,
  type RedisNodeClient,
  type RedisStatus,
  roleOf,
} from './redis-connection.js';
import type { RedisAuth, RedisNode } from '../config/redis-target.js';
import { REDIS_COMMAND_TIMEOUT_MS, withTimeout } from './with-timeout.js';

/** How often every instance asks the Sentinels which server is the master. */
export const SENTINEL_POLL_MS = 500;
/** Between attempts to reach a master while none answers. */
const FOLLOW_RETRY_MS = 250;

/**
 * After a failover the demoted master keeps accepting writes until Sentinel reconfigures it, and
 * an instance that has not noticed the failover yet still reads and writes there. Every instance
 * notices within one poll of the Sentinels (plus a command in flight). For that long, an instance
 * that moved to the new master does not trust the cache (invalidations sent to the old master by
 * the others are lost: it renews the epoch afterwards) and also sends its own invalidations to
 * the old master (which the others still read from).
 */
export const MASTER_CHANGE_DISTRUST_MS = 2 * SENTINEL_POLL_MS + 2 * REDIS_COMMAND_TIMEOUT_MS;

/** Errors that say this server is not (or no longer) a usable master. */
const NOT_A_MASTER = /^(READONLY|MASTERDOWN|LOADING)\b/;

/**
 * REDIS_SENTINELS: commands go to the master that the Sentinels name, and only while it is one.
 *
 * node-redis has a Sentinel client (createSentinel), but it reconnects to the last master's
 * address on its own and trusts whatever answers there, re-queries the Sentinels in a tight loop
 * while a master is down, and prints to stdout; so the master is followed here, with plain
 * clients: the Sentinels are asked (every SENTINEL_POLL_MS, the answer with the highest
 * config-epoch wins, so a Sentinel that has not heard of a failover yet is outvoted), a client
 * connects to that address and checks that ROLE says master, and the connection is dropped (never
 * reconnected blindly) when it breaks, when the Sentinels name another master, or when a command
 * answers READONLY. Every drop is `lost`; a new master is `master-changed`.
 */
export class SentinelConnection extends RedisConnection {
  readonly mode = 'sentinel' as const;
  private readonly sentinels: RedisNodeClient[];
  /** Never connected: the client while no master is followed (its commands fail at once). */
  private readonly detached: RedisNodeClient;
  private master?: { client: RedisNodeClient; address: string };
  /** The master left for another one, kept open while instances may still be writing to it. */
  private previous?: RedisNodeClient;
  private lastAddress?: string;
  private following = false;
  private stopped = false;
  private poll?: NodeJS.Timeout;

  constructor(
    nodes: readonly RedisNode[],
    private readonly masterName: string,
    private readonly auth: RedisAuth,
    sentinelAuth: RedisAuth,
  ) {
    super();
    this.sentinels = nodes.map(({ host, port }) => {
      const options = nodeOptions(sentinelAuth);
      const client = createNodeClient({ ...options, socket: { ...options.socket, host, port } });
      // A Sentinel that is down is retried in the background; the others answer meanwhile.
      client.on('error', () => undefined);
      return client;
    });
    this.detached = createNodeClient(nodeOptions(auth));
  }

  get client(): RedisNodeClient {
    return this.master?.client ?? this.detached;
  }

  get isReady(): boolean {
    return this.master?.client.isReady === true;
  }

  override get previousMaster(): RedisNodeClient | undefined {
    return this.previous?.isReady ? this.previous : undefined;
  }

  connect(): void {
    for (const sentinel of this.sentinels) sentinel.connect().catch(() => undefined);
    void this.follow();
    this.poll = setInterval(() => void this.verify(), SENTINEL_POLL_MS).unref();
  }

  destroy(): void {
    this.stopped = true;
    clearInterval(this.poll);
    this.drop();
    this.dropPrevious();
    for (const sentinel of this.sentinels) if (sentinel.isOpen) sentinel.destroy();
  }

  status(): RedisStatus {
    return {
      connected: this.isReady,
      mode: this.mode,
      role: this.isReady ? 'master' : undefined,
      address: this.master?.address,
    };
  }

  override commandFailed(error: Error): void {
    if (this.master && NOT_A_MASTER.test(error.message)) this.lose(this.master.client, error);
  }

  /** Until a master is followed: ask the Sentinels, connect, check the role; retry. */
  private async follow(): Promise<void> {
    if (this.following) return;
    this.following = true;
    try {
      while (!this.stopped && !this.master) {
        await this.tryMaster().catch((error: Error) => this.emit('lost', error));
        if (!this.master)
          await new Promise((resolve) => setTimeout(resolve, FOLLOW_RETRY_MS).unref());
      }
    } finally {
      this.following = false;
    }
  }

  private async tryMaster(): Promise<void> {
    const address = await this.askSentinels();
    const [host, port] = address.split(':');
    const options = nodeOptions(this.auth);
    const client = createNodeClient({
      ...options,
      // A lost connection is followed through the Sentinels again, never re-established to the
      // same address: the server there may have been demoted, or restarted as a stale master.
      socket: { ...options.socket, host, port: Number(port), reconnectStrategy: false },
    });
    client.on('error', (error: Error) => this.lose(client, error));
    client.on('end', () => this.lose(client, new Error(`connection to ${address} closed`)));
    try {
      await withTimeout(client.connect(), 1000, `connecting to ${address}`);
      const role = await roleOf(client);
      if (role !== 'master') throw new Error(`${address} is a ${role}, not a master`);
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw error;
    }
    if (this.stopped) {
      client.destroy();
      return;
    }
    const changed = this.lastAddress !== undefined && this.lastAddress !== address;
    this.master = { client, address };
    this.lastAddress = address;
    if (changed) this.emit('master-changed', address);
    this.emit('ready');
  }

  /** The master address with the highest config-epoch among the Sentinels that answer. */
  private async askSentinels(): Promise<string> {
    const answers = await Promise.allSettled(
      this.sentinels.map(async (sentinel) => {
        const reply = await withTimeout(
          sentinel.sendCommand(['SENTINEL', 'MASTER', this.masterName]),
          REDIS_COMMAND_TIMEOUT_MS,
          'SENTINEL MASTER',
        );
        const fields = fieldsOf(reply);
        return {
          address: `${fields.get('ip')}:${fields.get('port')}`,
          epoch: Number(fields.get('config-epoch') ?? 0),
        };
      }),
    );
    let best: { address: string; epoch: number } | undefined;
    for (const answer of answers) {
      if (answer.status === 'fulfilled' && (!best || answer.value.epoch > best.epoch)) {
        best = answer.value;
      }
    }
    if (!best) throw new Error(`no Sentinel answered for master ${this.masterName}`);
    return best.address;
  }

  /** While following a master: is it still the one the Sentinels name? */
  private async verify(): Promise<void> {
    const current = this.master;
    if (!current) return;
    const address = await this.askSentinels().catch(() => undefined);
    if (address !== undefined && address !== current.address && this.master === current) {
      this.dropPrevious();
      // Still connected, and perhaps still written to by instances that have not noticed.
      this.previous = current.client;
      this.master = undefined;
      const retired = current.client;
      setTimeout(() => {
        if (this.previous === retired) this.dropPrevious();
      }, MASTER_CHANGE_DISTRUST_MS).unref();
      this.emit('lost', new Error(`Sentinel names ${address} as master now`));
      void this.follow();
    }
  }

  private lose(client: RedisNodeClient, error: Error): void {
    if (this.previous === client) this.dropPrevious();
    if (this.master?.client !== client) return;
    this.drop();
    this.emit('lost', error);
    void this.follow();
  }

  private dropPrevious(): void {
    const client = this.previous;
    this.previous = undefined;
    if (client?.isOpen) client.destroy();
  }

  private drop(): void {
    const client = this.master?.client;
    this.master = undefined;
    if (client?.isOpen) client.destroy();
  }
}

/** SENTINEL MASTER's reply: a flat [name, value, ...] list (RESP2) or a map (RESP3). */
function fieldsOf(reply: unknown): Map<string, string> {
  if (reply instanceof Map) return new Map([...reply].map(([k, v]) => [String(k), String(v)]));
  if (!Array.isArray(reply))
    return new Map(Object.entries(reply as object).map(([k, v]) => [k, String(v)]));
  const fields = new Map<string, string>();
  for (let index = 0; index + 1 < reply.length; index += 2) {
    fields.set(String(reply[index]), String(reply[index + 1]));
  }
  return fields;
}
