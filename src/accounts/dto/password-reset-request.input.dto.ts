import { EmailField } from '../../users/dto/user-fields.js';

export class PasswordResetRequestInput {
  @EmailField()
  email!: string;
}
