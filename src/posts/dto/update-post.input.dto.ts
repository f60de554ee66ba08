import { BodyField, TitleField } from './post-fields.js';

/** PATCH: any of the fields. */
export class UpdatePostInput {
  @TitleField({ optional: true })
  title?: string;

  @BodyField({ optional: true })
  body?: string;
}
