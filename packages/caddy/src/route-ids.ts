/*
 * Route ids: `ws.{name}` for a workspace's IDE entry and `ws.{name}.port.{port}` for a forwarded
 * port's. A workspace name never contains a dot (it is a DNS label), so the dots split every id
 * back into exactly one (name, port): no two objects can share an `@id`, whatever their names.
 * The ids of an older Rockpool (`workspace-{name}`, `workspace-{name}-port-{port}`) could: the
 * workspace `a-port-3000` and port 3000 of `a` both got `workspace-a-port-3000`, and Caddy refused
 * the config. The table sync replaces old ids with these (see syncTable).
 */
const PREFIX = 'ws.';
const PORT_PART = '.port.';

/** The `@id` of a workspace's entry in the IDE lookup table. */
export function workspaceRouteId(name: string): string {
  return `${PREFIX}${name}`;
}

/** The `@id` of a forwarded port's entry in the port lookup table. */
export function portRouteId(name: string, port: number): string {
  return `${PREFIX}${name}${PORT_PART}${port}`;
}
