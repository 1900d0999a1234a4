/** The `@id` of a workspace's entry in the IDE lookup table. */
export function workspaceRouteId(name: string): string {
  return `workspace-${name}`;
}

/** The `@id` of a forwarded port's entry in the port lookup table. */
export function portRouteId(name: string, port: number): string {
  return `workspace-${name}-port-${port}`;
}
