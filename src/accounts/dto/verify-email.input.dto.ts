import { AccountTokenField } from './account-token-field.js';

export class VerifyEmailInput {
  @AccountTokenField()
  token!: string;
}
