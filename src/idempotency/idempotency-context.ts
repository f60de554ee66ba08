import { AsyncLocalStorage } from 'node:async_hooks';

/** The claim a create runs under, so the service can link what it creates to the key. */
export interface IdempotencyClaim {
  readonly id: number;
}

export const idempotencyContext = new AsyncLocalStorage<IdempotencyClaim>();
