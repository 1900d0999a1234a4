import type { WorkspaceRouteOptions } from '@rockpool/caddy';
import type { PortStore, Workspace } from '@rockpool/db';
import type { VmRuntime } from '../runtime/vm-runtime.js';

/** The route of a running workspace: its IDE, and every port the database lists, exposed by the runtime. */
export async function workspaceRoute(
  runtime: VmRuntime,
  ports: PortStore,
  workspace: Workspace,
  ide: string,
): Promise<WorkspaceRouteOptions> {
  const forwarded = [];
  for (const { port } of ports.list(workspace.id))
    forwarded.push({ port, upstream: await runtime.exposePort(workspace.name, port) });
  return { name: workspace.name, upstream: ide, ports: forwarded };
}
