/**
 * The cache key of one resource, `<kind>:<id>` (`user:<id>`, `post:<id>`, `session:<id>`): every
 * key is built here and its kind read back here (resourceKindOf), so the two cannot drift.
 */
export function resourceKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}

/** The kind of a key resourceKey() built (`user` of `user:<id>`), e.g. for the metrics' label. */
export function resourceKindOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

/** The Redis keys (before the namespace) of one cached resource. */
export interface CacheKeys {
  /** The entry: the representation with the generation and epoch it was read under. */
  readonly entry: string;
  /** The resource's generation, replaced after every write. */
  readonly generation: string;
}

/**
 * The keys of `key` (`user:<id>`, `post:<id>`). An entry and its generation are read together
 * (one MGET), so in a Redis Cluster they must share a hash slot: the hash tag `{user:<id>}` puts
 * both on the slot of the resource. Without a cluster the names stay untagged, as instances of
 * earlier versions read and write them during a rolling deployment.
 */
export function cacheKeys(key: string, cluster: boolean): CacheKeys {
  const tagged = cluster ? `{${key}}` : key;
  return { entry: tagged, generation: `gen:${tagged}` };
}
