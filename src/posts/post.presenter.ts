import { PostOutput } from './dto/post.output.dto.js';
import { Post } from './post.entity.js';

/** The public representation of a post; expects `author.publicId` to be loaded. */
export function presentPost(post: Post): PostOutput {
  return {
    id: post.publicId,
    author_id: post.author.publicId,
    title: post.title,
    body: post.body,
    created_at: post.createdAt,
    updated_at: post.updatedAt,
  };
}
