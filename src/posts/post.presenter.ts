import { EtagSubject, formatEtag } from '../common/http/etag.js';
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

/**
 * What a post's ETag names: every viewer sees the same representation, so the public id and
 * the row version are enough, `"post.<public id>.<version>"`.
 */
export function postEtagSubject(publicId: string): EtagSubject {
  return { kind: 'post', id: publicId.toLowerCase() };
}

/** The strong ETag of presentPost(post). */
export function postEtag(post: Post): string {
  return formatEtag(postEtagSubject(post.publicId), post.version);
}
