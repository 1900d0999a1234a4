/*
 * Route ids: `ws.{name}` for a workspace's entry in the routing table; its ports live in that entry
 * (see workspace-route.ts), so they have no ids of their own. A workspace name never contains a dot
 * (it is a DNS label) and no fixed id of the edge config starts with `ws.`, so no two objects can
 * share an `@id`, whatever their names. The ids of an older Rockpool could: the workspace
 * `a-port-3000` and port 3000 of `a` both got `workspace-a-port-3000`, and Caddy refused the config.
 * The table sync replaces old ids with these (see syncTable).
 */
const PREFIX = 'ws.';

/** The `@id` of a workspace's entry in the routing table. */
export function workspaceRouteId(name: string): string {
  return `${PREFIX}${name}`;
}
