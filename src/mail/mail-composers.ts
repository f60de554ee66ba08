import { Injectable } from '@nestjs/common';
import type { MailComposer } from './mail-message.js';

/**
 * The composer of each kind of message. Feature modules register theirs at start (the accounts
 * module registers `verify_email` and `password_reset`), so the mail module knows nothing of
 * what it carries.
 */
@Injectable()
export class MailComposers {
  private readonly composers = new Map<string, MailComposer>();

  register(kind: string, composer: MailComposer): void {
    if (this.composers.has(kind))
      throw new Error(`A mail composer for ${kind} is already registered`);
    this.composers.set(kind, composer);
  }

  get(kind: string): MailComposer | undefined {
    return this.composers.get(kind);
  }
}
