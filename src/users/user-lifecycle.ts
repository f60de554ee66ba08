import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * A feature's part in a user's writes, done inside the user's transaction by the feature that
 * owns the data (users imports none of them: they import users and register here at start).
 */
export interface UserLifecycleParticipant {
  /**
   * The user (internal id) is being soft-deleted: delete what belongs to them. Answers the cache
   * keys of what it deleted, invalidated with the user's after the commit.
   */
  onUserDeleted?(manager: EntityManager, userId: number): Promise<readonly string[]>;
  /** The user's address is new and unverified (sign-up, email change). */
  onEmailUnverified?(manager: EntityManager, user: { id: number; email: string }): Promise<void>;
}

/** The participants of the user's writes, in the order they registered. */
@Injectable()
export class UserLifecycle {
  private readonly participants: UserLifecycleParticipant[] = [];

  register(participant: UserLifecycleParticipant): void {
    this.participants.push(participant);
  }

  /** Runs every participant's part of a user's deletion; the cache keys they answered. */
  async userDeleted(manager: EntityManager, userId: number): Promise<string[]> {
    const keys: string[] = [];
    for (const participant of this.participants) {
      keys.push(...((await participant.onUserDeleted?.(manager, userId)) ?? []));
    }
    return keys;
  }

  async emailUnverified(
    manager: EntityManager,
    user: { id: number; email: string },
  ): Promise<void> {
    for (const participant of this.participants) {
      await participant.onEmailUnverified?.(manager, user);
    }
  }
}
