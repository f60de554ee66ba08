import { Injectable, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository, SelectQueryBuilder } from 'typeorm';
import { resourceKey } from '../cache/cache-keys.js';
import { CacheRead, type CachePrefetch, ResourceCache } from '../cache/resource-cache.service.js';
import {
  AcceptedVersions,
  isConditional,
  versionAccepted,
  versionsParameter,
} from '../common/http/etag.js';
import { Page } from '../common/pagination/page.js';
import type { IdempotencyClaim } from '../idempotency/idempotency-context.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { PagedList, PaginationService } from '../common/pagination/pagination.service.js';
import { User } from '../users/user.entity.js';
import { CreatePostInput } from './dto/create-post.input.dto.js';
import { UpdatePostInput } from './dto/update-post.input.dto.js';
import { LIVE_POST_SELECT_LIST, type LivePostRow, livePostFields } from './post-columns.js';
import { Post } from './post.entity.js';

@Injectable()
export class PostsService {
  constructor(
    @InjectRepository(Post) private readonly posts: Repository<Post>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pagination: PaginationService,
    private readonly cache: ResourceCache,
    private readonly idempotency: IdempotencyService,
  ) {
    this.allPosts = pagination.compile<UpdatedPostRow, Post>(this.withAuthor(), postFromRow);
    this.authorPosts = pagination.compile<UpdatedPostRow, Post>(
      this.withAuthor().where('post.user_id = :userId'),
      postFromRow,
    );
  }

  /** GET /posts and GET /users/:id/posts, compiled once (fixed statements, rows as postFromRow maps them). */
  private readonly allPosts: PagedList<UpdatedPostRow, Post>;
  private readonly authorPosts: PagedList<UpdatedPostRow, Post>;

  /**
   * Creates a post for a live user. The author row is locked FOR SHARE inside the transaction,
   * so a concurrent deletion of the user (which locks it FOR UPDATE) is ordered with this insert
   * and the post can never outlive its author as a live row.
   */
  async create(
    authorPublicId: string,
    input: CreatePostInput,
    claim?: IdempotencyClaim,
  ): Promise<Post> {
    return this.dataSource.transaction(async (manager) => {
      const author = await manager
        .createQueryBuilder(User, 'user')
        .select(['user.id', 'user.publicId'])
        .where('user.publicId = :authorPublicId', { authorPublicId })
        .setLock('pessimistic_read')
        .getOne();
      if (!author) throw new NotFoundException('User not found');
      const post = manager.create(Post, {
        userId: author.id,
        title: input.title,
        body: input.body,
      });
      await manager.insert(Post, post);
      await this.idempotency.linkCreated(manager, claim, post.publicId);
      post.author = author;
      return post;
    });
  }

  list(query: PageQueryDto): Promise<Page<Post>> {
    return this.allPosts.page(query);
  }

  /** A live user's posts; 404 when the user is unknown or deleted. */
  async listByAuthor(authorPublicId: string, query: PageQueryDto): Promise<Page<Post>> {
    const author = await this.users.findOne({
      select: { id: true },
      where: { publicId: authorPublicId },
    });
    if (!author) throw new NotFoundException('User not found');
    return this.authorPosts.page(query, { userId: author.id });
  }

  /** A live post with its author's public id, cache-aside (`post:{id}`). */
  async findOne(publicId: string, prefetch?: CachePrefetch): Promise<CacheRead<Post>> {
    const read = await this.readCached(publicId, prefetch);
    if (!read) throw new NotFoundException('Post not found');
    return read;
  }

  /** The author's public id of a live post, or null; for the owner check (same cache entry). */
  async findAuthorPublicId(publicId: string, prefetch?: CachePrefetch): Promise<string | null> {
    return (await this.readCached(publicId, prefetch))?.value.author.publicId ?? null;
  }

  /**
   * PUT and PATCH. With `ifMatch` (the versions If-Match accepts), one UPDATE both checks the
   * version and writes, so of two writers holding the same If-Match exactly one matches the row
   * (PostgreSQL re-evaluates the WHERE on the row the first one committed). No row matched: 404
   * if the post is gone, 412 if it is there at another version. The answer is the row as this
   * statement left it (RETURNING), never a read after it that could show a later write.
   */
  async update(
    publicId: string,
    changes: UpdatePostInput,
    ifMatch: AcceptedVersions,
  ): Promise<Post> {
    if (changes.title === undefined && changes.body === undefined) {
      // Nothing to write (an empty PATCH): the precondition still holds or fails.
      const post = await this.loadLive(publicId);
      if (!post) throw new NotFoundException('Post not found');
      if (!versionAccepted(ifMatch, post.version)) throw postChanged();
      return post;
    }
    // One fixed statement; a field left out is NULL here and keeps its value (null is never a
    // valid title or body: validation refuses it). version and updated_at move on as TypeORM's
    // update would move them.
    // TypeORM answers an UPDATE with [returned rows, affected count].
    const [rows] = await this.posts.query<[UpdatedPostRow[], number]>(
      `UPDATE posts
          SET title = COALESCE($2, title), body = COALESCE($3, body),
              version = version + 1, updated_at = CURRENT_TIMESTAMP
        WHERE public_id = $1 AND deleted_at IS NULL
          AND ($4::integer[] IS NULL OR version = ANY($4::integer[]))
    RETURNING ${LIVE_POST_SELECT_LIST},
              (SELECT u.public_id FROM users u WHERE u.id = posts.user_id) AS author_public_id`,
      [publicId, changes.title ?? null, changes.body ?? null, versionsParameter(ifMatch)],
    );
    if (rows.length === 0) throw await this.missingOrChanged(publicId, ifMatch);
    await this.cache.invalidate([postKey(publicId)]);
    return postFromRow(rows[0]);
  }

  /** Soft delete; `ifMatch` as for update(), checked in the same statement. */
  async remove(publicId: string, ifMatch: AcceptedVersions): Promise<void> {
    const remove = this.posts
      .createQueryBuilder()
      .softDelete()
      .where('public_id = :publicId AND deleted_at IS NULL', { publicId });
    const versions = versionsParameter(ifMatch);
    if (versions) remove.andWhere('version = ANY(:versions)', { versions });
    const result = await remove.execute();
    if (!result.affected) throw await this.missingOrChanged(publicId, ifMatch);
    await this.cache.invalidate([postKey(publicId)]);
  }

  /**
   * Soft-deletes every live post of the author (internal id) in the caller's transaction: the
   * user's deletion, which has locked the user row (see create()). Answers the cache keys of the
   * deleted posts, to invalidate after the commit.
   */
  async softDeleteByAuthor(manager: EntityManager, authorId: number): Promise<string[]> {
    const deleted = await manager
      .createQueryBuilder()
      .softDelete()
      .from(Post)
      .where('user_id = :userId AND deleted_at IS NULL', { userId: authorId })
      .returning('public_id')
      .execute();
    return (deleted.raw as { public_id: string }[]).map((post) => postKey(post.public_id));
  }

  /** Why a write matched no row: the post is gone (404), or at another version (412). */
  private async missingOrChanged(
    publicId: string,
    ifMatch: AcceptedVersions,
  ): Promise<NotFoundException | PreconditionFailedException> {
    if (isConditional(ifMatch) && (await this.posts.existsBy({ publicId }))) return postChanged();
    return new NotFoundException('Post not found');
  }

  private readCached(publicId: string, prefetch?: CachePrefetch): Promise<CacheRead<Post> | null> {
    const load = () => this.loadLive(publicId);
    return this.cache.read(postKey(publicId), load, hydratePost, prefetch);
  }

  private loadLive(publicId: string): Promise<Post | null> {
    return this.withAuthor().where('post.publicId = :publicId', { publicId }).getOne();
  }

  /** Live posts with their author's public id (the only author field a post shows). */
  private withAuthor(): SelectQueryBuilder<Post> {
    return this.posts
      .createQueryBuilder('post')
      .innerJoin('post.author', 'author')
      .addSelect('author.publicId');
  }
}

/** An updated post's row: a live post's columns and its author's public id. */
type UpdatedPostRow = LivePostRow & { author_public_id: string };

/** An updated post's row as the entity, with its author's public id. */
function postFromRow(row: UpdatedPostRow): Post {
  const post = livePostFields(row, new Post());
  post.author = Object.assign(new User(), { publicId: row.author_public_id });
  return post;
}

function postChanged(): PreconditionFailedException {
  return new PreconditionFailedException('The post has changed: If-Match does not match its ETag');
}

export function postKey(publicId: string): string {
  return resourceKey('post', publicId);
}

/** Cached posts come back as plain data (dates as strings, from Redis): make them entities again. */
function hydratePost(cached: Post): Post {
  return Object.assign(new Post(), cached, {
    author: Object.assign(new User(), cached.author),
    createdAt: new Date(cached.createdAt),
    updatedAt: new Date(cached.updatedAt),
  });
}
