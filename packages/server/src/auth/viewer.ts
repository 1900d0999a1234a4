import { USER_HEADER } from '@rockpool/caddy';
import type { UserRole } from '@rockpool/model';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';

/** Who is asking, as the edge says (`X-Rockpool-User`), and what they may do. */
export interface Viewer {
  name: string;
  role: UserRole;
}

/** Where a user's role comes from (the users table, the admins setting). */
export interface RoleSource {
  roleOf(name: string): UserRole;
}

/** Without the edge's header (a request that did not come through Caddy): a member owning nothing real. */
export const ANONYMOUS = 'anonymous';

const VIEWER_KEY = 'rockpool.viewer';

/** Resolves the caller once per request; handlers read it with {@link viewerOf}. */
export function resolveViewer(roles: RoleSource): MiddlewareHandler {
  return async (c, next) => {
    const name = c.req.header(USER_HEADER) || ANONYMOUS;
    const viewer: Viewer = { name, role: name === ANONYMOUS ? 'member' : roles.roleOf(name) };
    c.set(VIEWER_KEY as never, viewer as never);
    await next();
  };
}

export function viewerOf(c: Context): Viewer {
  const viewer = c.get(VIEWER_KEY as never) as Viewer | undefined;
  if (!viewer) throw new Error('resolveViewer() is not installed in front of this route');
  return viewer;
}

/** Refuses anyone but an admin with 403 `admin_only`. */
export function requireAdmin(c: Context): Viewer {
  const viewer = viewerOf(c);
  if (viewer.role !== 'admin') throw new ApiError(403, 'admin_only', 'Only an admin may do this.');
  return viewer;
}

/** Whether `viewer` may see (and act on) what `owner` owns: their own, or anything for an admin. */
export function canSee(viewer: Viewer, owner: string): boolean {
  return viewer.role === 'admin' || viewer.name === owner;
}
