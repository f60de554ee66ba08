import type { CreatedResponse } from './idempotency.service.js';

/** Metadata of an @Idempotent() handler: how to rebuild its 201 (CreatedReplay). */
export const IDEMPOTENT_REPLAY = 'idempotency:replay';

/**
 * Rebuilds a create's 201 from the resource it created (null: gone since), for a retry whose key
 * is linked to a committed create but has no stored response (the request died, or lost the
 * database, between its commit and storing the response). Given the controller instance.
 */
export type CreatedReplay<Controller> = (
  controller: Controller,
  publicId: string,
) => Promise<CreatedResponse | null>;
