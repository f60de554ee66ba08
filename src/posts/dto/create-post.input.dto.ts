import { BodyField, TitleField } from './post-fields.js';

/** POST: both fields required. */
export class CreatePostInput {
  @TitleField()
  title!: string;

  @BodyField()
  body!: string;
}
