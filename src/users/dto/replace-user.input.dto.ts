import { CurrentPasswordField, EmailField, NameField } from './user-fields.js';

/** PUT: every mutable field is required. */
export class ReplaceUserInput {
  @EmailField()
  email!: string;

  @NameField()
  name!: string;

  @CurrentPasswordField()
  current_password?: string;
}
