/**
 * The benchmark's baseline: a bare Fastify server that does by hand the work the service does on
 * the benchmarked routes, with the same libraries and the same data, and nothing else (no Nest,
 * no guards/pipes/interceptors, no request logging, no metrics, no tracing, no per-call Redis
 * timeouts; rate limiting only when BASELINE_RATE_LIMIT=1).
 *
 *   GET /health                      {"data":{"status":"ok"}}
 *   GET /users/:id                   JWT verify (jsonwebtoken, HS256 KeyObject, iss/aud/exp), the
 *                                    token user's liveness through the cache (one MGET), then the
 *                                    user through the cache (one MGET of entry+generation+epoch;
 *                                    on a miss: raw pg SELECT and SET with PX), `{data}` envelope
 *   GET /raw/users/:id               the same, but the user straight from raw pg (no cache)
 *   GET /floor/users/:id             target 2's floor: JWT verify and one Redis GET of the entry
 *                                    (no liveness, no generation or epoch; filled on first read)
 *   GET /posts[?cursor=…]            JWT + liveness, the page query TypeORM sends (same SQL text)
 *                                    and the pg_class estimate in parallel, AES-GCM cursors,
 *                                    `{data, meta}` envelope
 *   GET /posts-without-total[?…]     the same without counting (meta.total: null), to price it
 *   GET /floor/users, /floor/posts   the list floor of target 1: JWT + liveness, then one fixed
 *     [?page=|cursor=&per_page=]     page statement (offset or keyset) and the pg_class estimate
 *                                    in parallel, AES-GCM cursors, `{data, meta}` envelope
 *
 * Environment: PORT, DATABASE_URL, REDIS_URL, BASELINE_KEY_PREFIX, JWT_SECRET, JWT_ISSUER,
 * JWT_AUDIENCE, CACHE_TTL_SECONDS, BASELINE_RATE_LIMIT (0/1), RATE_LIMIT_WINDOW_SECONDS.
 * Started by run.ts; not meant to be deployed.
 */
import { createSecretKey, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createClient } from '@keyv/redis';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import jwt from 'jsonwebtoken';
import pg from 'pg';
// The service's own column map (plain data, no TypeORM), so the baseline reads what it reads.
import { LIVE_USER_SELECT_LIST, type LiveUserRow } from '../src/users/user-columns.js';
import { WINDOW_COUNT_SCRIPT } from '../src/rate-limit/window-count.script.js';
import { CursorCodec, NO_TAG, UUID } from './common.js';

const env = process.env;
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`baseline: ${name} is required`);
  return value;
};

const PORT = Number(env.PORT ?? 4000);
const PREFIX = required('BASELINE_KEY_PREFIX');
const SECRET = required('JWT_SECRET');
const TTL_MS = Number(env.CACHE_TTL_SECONDS ?? 3600) * 1000;
const RATE_LIMITED = env.BASELINE_RATE_LIMIT === '1';
const WINDOW_MS = String(Number(env.RATE_LIMIT_WINDOW_SECONDS ?? 60) * 1000);
const KEY = createSecretKey(Buffer.from(SECRET, 'utf8'));
const VERIFY_OPTIONS: jwt.VerifyOptions & { complete?: false } = {
  algorithms: ['HS256'],
  issuer: env.JWT_ISSUER ?? 'users-posts-api',
  audience: env.JWT_AUDIENCE ?? 'users-posts-api',
};
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const EPOCH_KEY = `${PREFIX}:cache-epoch-v2`;

const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: 10 });
const redis = createClient({ url: required('REDIS_URL'), disableOfflineQueue: true });
await redis.connect();
const cursors = new CursorCodec(SECRET);

/** The service's live-user row (its cache's load); read back from the cache, dates are strings. */
type UserRow = Omit<LiveUserRow, 'created_at' | 'updated_at'> & {
  created_at: Date | string;
  updated_at: Date | string;
};

interface Viewer {
  id: number;
  publicId: string;
  scopes: string[];
}

const USER_SQL = `SELECT ${LIVE_USER_SELECT_LIST} FROM users WHERE public_id = $1 AND deleted_at IS NULL LIMIT 1`;

// The SQL TypeORM generates for the posts list (src/posts/posts.service.ts, pagination.service.ts).
const POSTS_SELECT =
  'SELECT "post"."id" AS "post_id", "post"."public_id" AS "post_public_id", "post"."user_id" AS "post_user_id", ' +
  '"post"."title" AS "post_title", "post"."body" AS "post_body", "post"."version" AS "post_version", ' +
  '"post"."created_at" AS "post_created_at", "post"."updated_at" AS "post_updated_at", ' +
  '"post"."deleted_at" AS "post_deleted_at", "author"."public_id" AS "author_public_id", "author"."id" AS "author_id" ' +
  'FROM "posts" "post" INNER JOIN "users" "author" ON "author"."id"="post"."user_id" AND ("author"."deleted_at" IS NULL) ';
const POSTS_ORDER = ' ORDER BY "post"."created_at" DESC, "post"."id" DESC LIMIT ';
const ESTIMATE_SQL =
  'SELECT reltuples::bigint::int8 AS estimate FROM pg_class WHERE oid = $1::regclass';

async function loadUser(publicId: string): Promise<UserRow | null> {
  const { rows } = await pool.query<UserRow>(USER_SQL, [publicId]);
  return rows[0] ?? null;
}

/** Cache-aside as ResourceCache does it: one MGET of entry, generation and epoch; fill on a miss. */
async function cachedUser(publicId: string): Promise<{ value: UserRow; hit: boolean } | null> {
  const key = `${PREFIX}:user:${publicId}`;
  const [entryText, gen, epoch] = await redis.mGet([
    key,
    `${PREFIX}:gen:user:${publicId}`,
    EPOCH_KEY,
  ]);
  const currentGen = gen ?? NO_TAG;
  const currentEpoch = epoch ?? NO_TAG;
  if (entryText) {
    const entry = JSON.parse(entryText) as { gen: string; epoch: string; value: UserRow };
    if (entry.gen === currentGen && entry.epoch === currentEpoch) {
      return { value: entry.value, hit: true };
    }
  }
  const value = await loadUser(publicId);
  if (value === null) return null;
  await redis.set(key, JSON.stringify({ gen: currentGen, epoch: currentEpoch, value }), {
    expiration: { type: 'PX', value: TTL_MS },
  });
  return { value, hit: false };
}

function fail(reply: FastifyReply, status: number, code: string, message: string): undefined {
  if (status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  void reply.code(status).send({ error: { code, message, request_id: reply.request.id } });
  return undefined;
}

async function rateLimit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (!RATE_LIMITED) return true;
  const [hits, msLeft] = (await redis.eval(WINDOW_COUNT_SCRIPT.source, {
    keys: [`${PREFIX}:rate-limit:default:${request.ip}`],
    arguments: [WINDOW_MS],
  })) as [number, number];
  const limit = 1_000_000_000;
  void reply.header('X-RateLimit-Limit', limit);
  void reply.header('X-RateLimit-Remaining', Math.max(0, limit - hits));
  void reply.header('X-RateLimit-Reset', Math.ceil(msLeft / 1000));
  return true;
}

/** Bearer JWT (HS256 KeyObject, iss, aud, exp), claim shapes, liveness through the cache, scope. */
async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
): Promise<Viewer | undefined> {
  const claims = verifyToken(request, reply);
  if (!claims) return undefined;
  const live = await cachedUser(claims.sub!);
  if (!live) return fail(reply, 401, 'UNAUTHORIZED', 'Invalid or missing access token');
  const scopes = claims.scope as string[];
  if (!scopes.includes(scope)) return fail(reply, 403, 'FORBIDDEN', 'Missing scope');
  return { id: live.value.id, publicId: claims.sub!, scopes };
}

/** The bearer token's signature and claim shapes (CPU only). */
function verifyToken(request: FastifyRequest, reply: FastifyReply): jwt.JwtPayload | undefined {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return fail(reply, 401, 'UNAUTHORIZED', 'Invalid or missing access token');
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(token, KEY, VERIFY_OPTIONS) as jwt.JwtPayload;
  } catch {
    return fail(reply, 401, 'UNAUTHORIZED', 'Invalid or missing access token');
  }
  const scopes = claims.scope as unknown;
  if (
    typeof claims.exp !== 'number' ||
    typeof claims.sub !== 'string' ||
    !UUID.test(claims.sub) ||
    !Array.isArray(scopes) ||
    !scopes.every((s) => typeof s === 'string')
  ) {
    return fail(reply, 401, 'UNAUTHORIZED', 'Invalid or missing access token');
  }
  return claims;
}

function presentUser(user: UserRow, viewer: Viewer): object {
  const own = viewer.publicId === user.public_id || viewer.scopes.includes('admin');
  return {
    id: user.public_id,
    name: user.name,
    ...(own ? { email: user.email, scopes: user.scopes } : {}),
    created_at: new Date(user.created_at),
    updated_at: new Date(user.updated_at),
  };
}

const app = Fastify({
  logger: false,
  requestIdHeader: false,
  genReqId: (request: IncomingMessage) => {
    const sent = request.headers['x-request-id'];
    return typeof sent === 'string' && WELL_FORMED_REQUEST_ID.test(sent) ? sent : randomUUID();
  },
});
app.addHook('onRequest', (request, reply, done) => {
  void reply.header('X-Request-Id', request.id);
  done();
});

app.get('/health', () => ({ data: { status: 'ok' } }));

app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
  if (!(await rateLimit(request, reply))) return reply;
  const viewer = await authenticate(request, reply, 'users:read');
  if (!viewer) return reply;
  if (!UUID.test(request.params.id)) return fail(reply, 404, 'NOT_FOUND', 'Resource not found');
  const read = await cachedUser(request.params.id);
  if (!read) return fail(reply, 404, 'NOT_FOUND', 'User not found');
  void reply.header('X-Cache', read.hit ? 'HIT' : 'MISS');
  return { data: presentUser(read.value, viewer) };
});

// Target 2's floor: one JWT verify and one Redis GET, nothing else a cached read needs.
app.get<{ Params: { id: string } }>('/floor/users/:id', async (request, reply) => {
  const claims = verifyToken(request, reply);
  if (!claims) return reply;
  if (!UUID.test(request.params.id)) return fail(reply, 404, 'NOT_FOUND', 'Resource not found');
  const text = await redis.get(`${PREFIX}:user:${request.params.id}`);
  const value = text
    ? (JSON.parse(text) as { value: UserRow }).value
    : (await cachedUser(request.params.id))?.value; // the first read fills it
  if (!value) return fail(reply, 404, 'NOT_FOUND', 'User not found');
  const viewer = { id: 0, publicId: claims.sub!, scopes: claims.scope as string[] };
  return { data: presentUser(value, viewer) };
});

app.get<{ Params: { id: string } }>('/raw/users/:id', async (request, reply) => {
  if (!(await rateLimit(request, reply))) return reply;
  const viewer = await authenticate(request, reply, 'users:read');
  if (!viewer) return reply;
  if (!UUID.test(request.params.id)) return fail(reply, 404, 'NOT_FOUND', 'Resource not found');
  const user = await loadUser(request.params.id);
  if (!user) return fail(reply, 404, 'NOT_FOUND', 'User not found');
  return { data: presentUser(user, viewer) };
});

interface PostRow {
  post_id: number;
  post_public_id: string;
  post_title: string;
  post_body: string;
  post_created_at: Date;
  post_updated_at: Date;
  author_public_id: string;
}

type PostsRequest = FastifyRequest<{ Querystring: { cursor?: string; per_page?: string } }>;

function postsHandler(withTotal: boolean) {
  return async (request: PostsRequest, reply: FastifyReply) => {
    if (!(await rateLimit(request, reply))) return reply;
    const viewer = await authenticate(request, reply, 'posts:read');
    if (!viewer) return reply;
    const perPage = Number(request.query.per_page ?? 20);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      return fail(reply, 422, 'VALIDATION_ERROR', 'Invalid input');
    }
    const cursor = request.query.cursor;
    let page: Promise<pg.QueryResult<PostRow>>;
    if (cursor === undefined) {
      // TypeORM inlines LIMIT/OFFSET and sends the first page without parameters.
      page = pool.query<PostRow>(
        `${POSTS_SELECT}WHERE "post"."deleted_at" IS NULL${POSTS_ORDER}${perPage + 1} OFFSET 0`,
      );
    } else {
      const afterId = cursors.decode('posts', cursor);
      if (afterId === null) return fail(reply, 422, 'VALIDATION_ERROR', 'Invalid input');
      page = pool.query<PostRow>(
        `${POSTS_SELECT}WHERE ( ("post"."created_at", "post"."id") < (SELECT c.created_at, c.id FROM posts c WHERE c.id = $1) ) AND ( "post"."deleted_at" IS NULL )${POSTS_ORDER}${perPage + 1}`,
        [afterId],
      );
    }
    const counting = withTotal
      ? pool.query<{ estimate: string }>(ESTIMATE_SQL, ['posts'])
      : Promise.resolve(undefined);
    const [{ rows }, count] = await Promise.all([page, counting]);
    const hasMore = rows.length > perPage;
    const items = hasMore ? rows.slice(0, perPage) : rows;
    return {
      data: items.map((row) => ({
        id: row.post_public_id,
        author_id: row.author_public_id,
        title: row.post_title,
        body: row.post_body,
        created_at: row.post_created_at,
        updated_at: row.post_updated_at,
      })),
      meta: {
        ...(cursor === undefined ? { page: 1 } : {}),
        per_page: perPage,
        total: count ? Number(count.rows[0]?.estimate ?? -1) : null,
        ...(count ? { total_is_estimate: true } : {}),
        next_cursor: hasMore ? cursors.encode('posts', items[items.length - 1].post_id) : null,
      },
    };
  };
}

app.get('/posts', postsHandler(true));
app.get('/posts-without-total', postsHandler(false));

/**
 * The list floor: what a list page needs, by hand. One fixed page statement (the selected
 * columns only, LIMIT/OFFSET as parameters) and the planner estimate, both on every request and
 * in parallel (the service reads the estimate at most once a second, which the floor does not).
 */
interface FloorList {
  table: 'users' | 'posts';
  scope: string;
  /** SELECT … FROM … up to the WHERE, the list's table aliased `t`. */
  from: string;
  present(row: Record<string, unknown>, viewer: Viewer): object;
}

const FLOOR_LISTS: FloorList[] = [
  {
    table: 'users',
    scope: 'users:read',
    from:
      'SELECT t.id, t.public_id, t.email, t.email_verified, t.name, t.scopes, t.created_at, t.updated_at ' +
      'FROM users t',
    present: (row, viewer) => {
      const own = viewer.publicId === row.public_id || viewer.scopes.includes('admin');
      return {
        id: row.public_id,
        name: row.name,
        ...(own
          ? { email: row.email, email_verified: row.email_verified, scopes: row.scopes }
          : {}),
        created_at: row.created_at,
        updated_at: row.updated_at,
      };
    },
  },
  {
    table: 'posts',
    scope: 'posts:read',
    from:
      'SELECT t.id, t.public_id, a.public_id AS author_public_id, t.title, t.body, t.created_at, t.updated_at ' +
      'FROM posts t JOIN users a ON a.id = t.user_id AND a.deleted_at IS NULL',
    present: (row) => ({
      id: row.public_id,
      author_id: row.author_public_id,
      title: row.title,
      body: row.body,
      created_at: row.created_at,
      updated_at: row.updated_at,
    }),
  },
];

type FloorRequest = FastifyRequest<{
  Querystring: { cursor?: string; page?: string; per_page?: string };
}>;

function floorHandler(list: FloorList) {
  const order = ' ORDER BY t.created_at DESC, t.id DESC LIMIT $1';
  const offsetSql = `${list.from} WHERE t.deleted_at IS NULL${order} OFFSET $2`;
  const cursorSql =
    `${list.from} WHERE (t.created_at, t.id) < (SELECT c.created_at, c.id FROM ${list.table} c WHERE c.id = $2)` +
    ` AND t.deleted_at IS NULL${order}`;
  return async (request: FloorRequest, reply: FastifyReply) => {
    if (!(await rateLimit(request, reply))) return reply;
    const viewer = await authenticate(request, reply, list.scope);
    if (!viewer) return reply;
    const { cursor } = request.query;
    const perPage = Number(request.query.per_page ?? 20);
    const page = Number(request.query.page ?? 1);
    if (
      !Number.isInteger(perPage) ||
      perPage < 1 ||
      perPage > 100 ||
      !Number.isInteger(page) ||
      page < 1 ||
      page > 10_000 ||
      (cursor !== undefined && request.query.page !== undefined)
    ) {
      return fail(reply, 422, 'VALIDATION_ERROR', 'Invalid input');
    }
    let listing: Promise<pg.QueryResult<Record<string, unknown>>>;
    if (cursor === undefined) {
      listing = pool.query(offsetSql, [perPage + 1, (page - 1) * perPage]);
    } else {
      const afterId = cursors.decode(list.table, cursor);
      if (afterId === null) return fail(reply, 422, 'VALIDATION_ERROR', 'Invalid input');
      listing = pool.query(cursorSql, [perPage + 1, afterId]);
    }
    const counting = pool.query<{ estimate: string }>(ESTIMATE_SQL, [list.table]);
    const [{ rows }, count] = await Promise.all([listing, counting]);
    const hasMore = rows.length > perPage;
    const items = hasMore ? rows.slice(0, perPage) : rows;
    return {
      data: items.map((row) => list.present(row, viewer)),
      meta: {
        ...(cursor === undefined ? { page } : {}),
        per_page: perPage,
        total: Number(count.rows[0]?.estimate ?? -1),
        total_is_estimate: true,
        next_cursor: hasMore
          ? cursors.encode(list.table, items[items.length - 1].id as number)
          : null,
      },
    };
  };
}

for (const list of FLOOR_LISTS) app.get(`/floor/${list.table}`, floorHandler(list));

const shutdown = async (): Promise<void> => {
  await app.close();
  await pool.end();
  redis.destroy();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

await app.listen({ port: PORT, host: '127.0.0.1' });
console.log(`baseline listening on ${PORT}${RATE_LIMITED ? ' (with the rate-limit EVAL)' : ''}`);
