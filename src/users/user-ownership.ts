import { Injectable } from '@nestjs/common';
import type { OwnershipRule } from '../access/ownership-rule.js';

/** A user is owned by themself: the id in the path is the owner's (no lookup). */
@Injectable()
export class UserOwnership implements OwnershipRule {
  static readonly param = 'id';
  static readonly forbiddenDescription = 'the caller is neither this user nor an admin';
  // Never used: ownerOf() always answers.
  static readonly notFoundMessage = 'User not found';

  ownerOf(id: string): Promise<string | null> {
    return Promise.resolve(id);
  }
}
