import type { Type } from '@nestjs/common';
import type { CachePrefetch } from '../cache/resource-cache.service.js';

/**
 * How to find who owns the resource a route names, declared by the feature that owns it (an
 * injectable in its own folder, provided by its module). The owner guard resolves it and knows
 * no feature.
 */
export interface OwnershipRule {
  /**
   * The owner's public id (the token's `sub`), or null when the resource does not exist.
   * `prefetch`: the request's cache reads, for a rule that reads the resource's cache entry.
   */
  ownerOf(id: string, prefetch?: CachePrefetch): Promise<string | null>;
}

/** A rule's class: what the decorator and the document need before any instance exists. */
export interface OwnershipRuleType extends Type<OwnershipRule> {
  /** The path parameter that names the resource. */
  readonly param: string;
  /** Who passes, for the 403 description of the OpenAPI document. */
  readonly forbiddenDescription: string;
  /** The 404 message when ownerOf() finds no resource. */
  readonly notFoundMessage: string;
}
