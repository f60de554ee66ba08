import type { QueryRunner } from 'typeorm';

/**
 * Where the reads that may lag behind writes run (the list pages): a replica's query runner, or
 * none (the primary). Declared here, provided by the database module (ReplicaReads), so that
 * common/ depends on no other infrastructure folder.
 */
export interface LaggingReads {
  /** Runs `read` on a replica's runner or on the primary (undefined); it may run twice. */
  lagging<T>(read: (replica: QueryRunner | undefined) => Promise<T>): Promise<T>;
}

export const LAGGING_READS = Symbol('LAGGING_READS');
