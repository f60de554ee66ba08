import { AuthenticatedUser, isAdmin } from '../access/authenticated-user.js';
import { EtagSubject, formatEtag } from '../common/http/etag.js';
import { UserOutput } from './dto/user.output.dto.js';
import { User } from './user.entity.js';

/**
 * Whether the viewer sees the user's private fields (email, email_verified, scopes): the user
 * themself or an admin.
 */
function seesPrivateFields(userPublicId: string, viewer: AuthenticatedUser | undefined): boolean {
  return viewer !== undefined && (viewer.publicId === userPublicId || isAdmin(viewer));
}

/** The public representation of a user, as the viewer may see it. */
export function presentUser(user: User, viewer: AuthenticatedUser | undefined): UserOutput {
  const private_ = seesPrivateFields(user.publicId, viewer);
  return {
    id: user.publicId,
    name: user.name,
    ...(private_
      ? { email: user.email, email_verified: user.emailVerified, scopes: user.scopes }
      : {}),
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

/**
 * What a user's ETag names for this viewer. One row version has two representations (with email
 * and scopes for the user themself and admins, without for everyone else), so the tag carries the
 * viewer class as its last part, `.private` or `.public`:
 * `"user.<public id>.<version>.private"`. A tag one viewer class holds therefore never matches the
 * other's representation: no 304 confirms a copy without email to someone who should see it (or
 * the reverse, e.g. behind a private cache shared by two accounts), and an If-Match copied from
 * the other view is refused.
 */
export function userEtagSubject(
  publicId: string,
  viewer: AuthenticatedUser | undefined,
): EtagSubject {
  const id = publicId.toLowerCase();
  return { kind: 'user', id, variant: seesPrivateFields(id, viewer) ? 'private' : 'public' };
}

/** The strong ETag of presentUser(user, viewer). */
export function userEtag(user: User, viewer: AuthenticatedUser | undefined): string {
  return formatEtag(userEtagSubject(user.publicId, viewer), user.version);
}
