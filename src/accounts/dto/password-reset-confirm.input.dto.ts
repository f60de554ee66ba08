import { PasswordField } from '../../users/dto/user-fields.js';
import { AccountTokenField } from './account-token-field.js';

export class PasswordResetConfirmInput {
  @AccountTokenField()
  token!: string;

  /** The new password. */
  @PasswordField()
  password!: string;
}
