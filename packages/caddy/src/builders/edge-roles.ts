import type { MapMapping, SubrouteHandler } from '../config/types.js';
import { assertEdgeIdentity } from './table-entries.js';
import { maybeTable } from './workspace-table.js';

/*
 * The admins the edge knows: a third `map` in the workspace routing, signed-in user id → `admin`
 * (members have no entry). Read only when admins may open other users' IDEs (ROCKPOOL_ADMIN_IDE_ACCESS);
 * the worker keeps it equal to the users table and ROCKPOOL_ADMINS (see writeEdgeAdmins).
 * Entries carry no `@id`: nothing addresses one, and no user name can then collide with a route's id.
 */

/** The `map` handler: `{http.auth.user.id}` → its role at the edge. */
export const ROLE_TABLE_ID = 'rockpool-edge-roles';
export const ADMIN_ROLE = 'admin';

/** The role table's entries for these admins: each checked, each once, sorted (a stable table). */
export function roleEntries(admins: readonly string[]): MapMapping[] {
  for (const admin of admins) assertEdgeIdentity(admin, 'admin');
  return [...new Set(admins)].sort().map((admin) => ({ input: admin, outputs: [ADMIN_ROLE] }));
}

function roleTable(container: SubrouteHandler) {
  const table = maybeTable(container, ROLE_TABLE_ID);
  if (!table) throw new RangeError(`the workspace routing has no ${ROLE_TABLE_ID} table`);
  return table;
}

/** Whether `container` has a role table (a Caddy started by an older Rockpool has none). */
export function hasRoleTable(container: SubrouteHandler): boolean {
  return maybeTable(container, ROLE_TABLE_ID) !== undefined;
}

/** The admins in a workspace routing's role table. */
export function adminsOf(container: SubrouteHandler): string[] {
  return (roleTable(container).mappings ?? [])
    .filter((entry) => entry.outputs[0] === ADMIN_ROLE)
    .map((entry) => entry.input);
}

/** A copy of `container` whose role table holds exactly `admins`. */
export function withAdmins(container: SubrouteHandler, admins: readonly string[]): SubrouteHandler {
  const copy = structuredClone(container);
  roleTable(copy).mappings = roleEntries(admins);
  return copy;
}
