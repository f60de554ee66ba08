/**
 * A history of client operations against a cluster, each with its start and end time on one
 * clock (this process's), and a checker for what API.md promises across instances:
 * - no read that starts after a write has returned shows an older value (versions from ETags);
 * - no deleted resource or token is served after its delete returned;
 * - no acknowledged write is lost (the final state is at least the last acknowledged one);
 * - no Idempotency-Key creates twice.
 * Operations that failed without an answer (a cut link, a killed instance) are unacknowledged:
 * they may or may not have taken effect, and the checker allows both.
 */

export type OperationKind = 'read' | 'write' | 'delete' | 'create' | 'me' | 'delete-user';

export interface Operation {
  kind: OperationKind;
  instance: string;
  /** The resource: a post id (read, write, delete), a user id (me, delete-user), a key (create). */
  target: string;
  start: number;
  end: number;
  /** HTTP status; 0 when no answer came (connection refused or reset). */
  status: number;
  /** The post's version named by the response's ETag (read, write), if any. */
  version?: number;
  /** The created resource's id (create). */
  createdId?: string;
  /** Whether a create's answer said Idempotent-Replayed. */
  replayed?: boolean;
}

export class History {
  readonly operations: Operation[] = [];

  /** Runs `work`, recording it with its start and end time and what it answered. */
  async record(
    kind: OperationKind,
    instance: string,
    target: string,
    work: () => Promise<Response>,
    read: (response: Response, operation: Operation) => Promise<void> = async () => {},
  ): Promise<Operation> {
    const start = performance.now();
    const operation: Operation = { kind, instance, target, start, end: start, status: 0 };
    try {
      const response = await work();
      operation.status = response.status;
      operation.version = versionOf(response.headers.get('etag'));
      await read(response, operation);
    } catch {
      operation.status = 0;
    }
    operation.end = performance.now();
    this.operations.push(operation);
    return operation;
  }

  /** Counts by kind, by instance and by status, for the report. */
  summary(): Record<string, Record<string, number>> {
    const count = (key: (operation: Operation) => string): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const operation of this.operations) {
        counts[key(operation)] = (counts[key(operation)] ?? 0) + 1;
      }
      return counts;
    };
    return {
      kind: count((operation) => operation.kind),
      instance: count((operation) => operation.instance),
      status: count((operation) => String(operation.status)),
    };
  }
}

/** `"post.<id>.<version>"` (or a user's, with a variant): the version. */
export function versionOf(etag: string | null): number | undefined {
  const match = /^"[a-z]+\.[0-9a-f-]+\.(\d+)(?:\.[a-z]+)?"$/.exec(etag ?? '');
  return match ? Number(match[1]) : undefined;
}

/** What the database holds at the end, per post: its version, and whether it is deleted. */
export interface FinalPost {
  version: number;
  deleted: boolean;
}

export function checkHistory(
  history: readonly Operation[],
  finalPosts: ReadonlyMap<string, FinalPost>,
  createdPerKey: ReadonlyMap<string, number>,
): string[] {
  return [
    ...staleReads(history),
    ...servedAfterDelete(history),
    ...lostWrites(history, finalPosts),
    ...duplicateCreates(history, createdPerKey),
  ];
}

function describe(operation: Operation): string {
  return (
    `${operation.kind} ${operation.target} on ${operation.instance} ` +
    `[${operation.start.toFixed(1)}, ${operation.end.toFixed(1)}] → ${operation.status}` +
    (operation.version === undefined ? '' : ` v${operation.version}`)
  );
}

function byTarget(history: readonly Operation[], kinds: OperationKind[]): Map<string, Operation[]> {
  const groups = new Map<string, Operation[]>();
  for (const operation of history) {
    if (!kinds.includes(operation.kind)) continue;
    groups.set(operation.target, [...(groups.get(operation.target) ?? []), operation]);
  }
  return groups;
}

/** A 200 read with a version below that of a write acknowledged before the read began. */
function staleReads(history: readonly Operation[]): string[] {
  const problems: string[] = [];
  for (const operations of byTarget(history, ['read', 'write']).values()) {
    const writes = operations.filter((op) => op.kind === 'write' && op.status === 200);
    for (const read of operations) {
      if (read.kind !== 'read' || read.status !== 200 || read.version === undefined) continue;
      const newest = writes
        .filter((write) => write.end < read.start && write.version !== undefined)
        .reduce<Operation | undefined>(
          (best, write) => (best && best.version! >= write.version! ? best : write),
          undefined,
        );
      if (newest && read.version < newest.version!) {
        problems.push(`stale read: ${describe(read)} after ${describe(newest)} had returned`);
      }
    }
  }
  return problems;
}

/** A post served (200) by a read that began after its delete returned 204; a token likewise. */
function servedAfterDelete(history: readonly Operation[]): string[] {
  const problems: string[] = [];
  const deletes = history.filter(
    (op) => (op.kind === 'delete' || op.kind === 'delete-user') && op.status === 204,
  );
  for (const deletion of deletes) {
    const readKind: OperationKind = deletion.kind === 'delete' ? 'read' : 'me';
    for (const read of history) {
      if (read.kind !== readKind || read.target !== deletion.target) continue;
      if (read.start > deletion.end && read.status === 200) {
        problems.push(`served after delete: ${describe(read)} after ${describe(deletion)}`);
      }
    }
  }
  return problems;
}

/** The final state must hold every acknowledged write and delete. */
function lostWrites(
  history: readonly Operation[],
  finalPosts: ReadonlyMap<string, FinalPost>,
): string[] {
  const problems: string[] = [];
  for (const [target, operations] of byTarget(history, ['write', 'delete'])) {
    const final = finalPosts.get(target);
    if (!final) {
      problems.push(`lost: post ${target} is not in the database`);
      continue;
    }
    for (const operation of operations) {
      if (operation.kind === 'write' && operation.status === 200) {
        if (operation.version !== undefined && final.version < operation.version) {
          problems.push(`lost write: ${describe(operation)}, final version ${final.version}`);
        }
      }
      if (operation.kind === 'delete' && operation.status === 204 && !final.deleted) {
        problems.push(`lost delete: ${describe(operation)}, the post is still live`);
      }
    }
  }
  return problems;
}

/** One key, one resource: every 201 for a key names the same id, and the database has one. */
function duplicateCreates(
  history: readonly Operation[],
  createdPerKey: ReadonlyMap<string, number>,
): string[] {
  const problems: string[] = [];
  for (const [key, operations] of byTarget(history, ['create'])) {
    const ids = new Set(
      operations.filter((op) => op.status === 201).map((op) => op.createdId ?? '?'),
    );
    if (ids.size > 1)
      problems.push(`key ${key} answered 201 with ${ids.size} ids: ${[...ids].join(', ')}`);
    const rows = createdPerKey.get(key) ?? 0;
    if (rows > 1) problems.push(`key ${key} created ${rows} rows`);
    if (ids.size === 1 && rows !== 1) problems.push(`key ${key} answered 201 but has ${rows} rows`);
  }
  return problems;
}
