import { EmailField, NameField, PasswordField } from './user-fields.js';

export class CreateUserInput {
  @EmailField()
  email!: string;

  @NameField()
  name!: string;

  @PasswordField()
  password!: string;
}
