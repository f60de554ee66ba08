import { AuthenticatedUser, isAdmin } from '../auth/authenticated-user.js';
import { UserOutput } from './dto/user.output.dto.js';
import { User } from './user.entity.js';

/** The public representation of a user, as the viewer may see it. */
export function presentUser(user: User, viewer: AuthenticatedUser | undefined): UserOutput {
  const private_ = viewer !== undefined && (viewer.publicId === user.publicId || isAdmin(viewer));
  return {
    id: user.publicId,
    name: user.name,
    ...(private_ ? { email: user.email, scopes: user.scopes } : {}),
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
