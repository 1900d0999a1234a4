import { ROLE_TABLE_ID, roleEntries } from '../builders/edge-roles.js';
import { sameJson } from '../builders/workspace-table.js';
import type { MapHandler } from '../config/types.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';

export interface EdgeAdminsResult {
  /** Whether Caddy's role table changed (false: it already held these admins). */
  changed: boolean;
  /** False when the running edge has no role table (started by an older Rockpool): nothing written. */
  present: boolean;
}

/**
 * Makes the edge's role table hold exactly `admins` (signed-in user ids), in one write guarded by
 * If-Match (re-applied on 412, so a concurrent route write is never lost), or none when it already
 * does. Reads and writes the table alone (by its `@id`), not the workspaces around it: the worker
 * calls this every few seconds. The table is only read when admins may open other users' IDEs, and
 * kept either way, so turning that setting on needs nothing more.
 */
export async function writeEdgeAdmins(
  admin: CaddyAdminClient,
  admins: readonly string[],
): Promise<EdgeAdminsResult> {
  const wanted = roleEntries(admins);
  const current = await admin.getById<MapHandler>(ROLE_TABLE_ID);
  if (!current) return { changed: false, present: false };
  if (sameJson(current.value.mappings ?? [], wanted)) return { changed: false, present: true };
  const { changed } = await admin.update<MapHandler>({ id: ROLE_TABLE_ID }, (table) =>
    sameJson(table.mappings ?? [], wanted) ? UNCHANGED : { ...table, mappings: wanted },
  );
  return { changed, present: true };
}
