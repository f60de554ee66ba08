import { Scope } from '../../access/scopes.js';
import {
  CurrentPasswordField,
  EmailField,
  NameField,
  PasswordField,
  ScopesField,
} from './user-fields.js';

/** PATCH: any of the fields; `scopes` only by an admin. */
export class UpdateUserInput {
  @EmailField({ optional: true })
  email?: string;

  @NameField({ optional: true })
  name?: string;

  @PasswordField({ optional: true })
  password?: string;

  @ScopesField()
  scopes?: Scope[];

  @CurrentPasswordField()
  current_password?: string;
}
