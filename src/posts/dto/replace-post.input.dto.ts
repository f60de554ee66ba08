import { BodyField, TitleField } from './post-fields.js';

/** PUT: both fields are required. */
export class ReplacePostInput {
  @TitleField()
  title!: string;

  @BodyField()
  body!: string;
}
