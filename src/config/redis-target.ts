/** A Redis server or Sentinel by address. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** ACL user, password and TLS for the connections to one kind of server. */
export interface RedisAuth {
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

/**
 * Which Redis the service uses, from exactly one of REDIS_URL, REDIS_SENTINELS (with
 * REDIS_SENTINEL_MASTER) and REDIS_CLUSTER_NODES.
 */
export type RedisTarget =
  | { readonly mode: 'standalone'; readonly url: string }
  | {
      readonly mode: 'sentinel';
      readonly sentinels: readonly RedisNode[];
      readonly masterName: string;
      /** For the master (and replicas): REDIS_USERNAME, REDIS_PASSWORD, REDIS_TLS. */
      readonly auth: RedisAuth;
      /** For the Sentinels: REDIS_SENTINEL_USERNAME, REDIS_SENTINEL_PASSWORD, REDIS_TLS. */
      readonly sentinelAuth: RedisAuth;
    }
  | { readonly mode: 'cluster'; readonly nodes: readonly RedisNode[]; readonly auth: RedisAuth };

export type RedisMode = RedisTarget['mode'];

/** `host:port[,host:port...]`; host names or IPv4 addresses (IPv6 would need brackets). */
export const HOST_PORT_LIST = /^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/;

/** Parses a HOST_PORT_LIST value; null when a port is out of range. */
export function parseHostPortList(value: string): RedisNode[] | null {
  const nodes = value.split(',').map((item) => {
    const [host, port] = item.trim().split(':');
    return { host, port: Number(port) };
  });
  return nodes.every(({ port }) => port >= 1 && port <= 65535) ? nodes : null;
}
