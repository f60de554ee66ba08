import { CreatePostInput } from './create-post.input.dto.js';

/** PUT: both fields are required, as on POST; its own schema name in the document. */
export class ReplacePostInput extends CreatePostInput {}
