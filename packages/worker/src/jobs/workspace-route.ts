import type { WorkspaceRouteOptions } from '@rockpool/caddy';
import type { PortStore, Workspace } from '@rockpool/db';
import type { GateEndpoint } from '../runtime/vm-runtime.js';

/**
 * The route of a running workspace: its gate (address and secret), through which the edge reaches
 * its IDE and every port the database lists, each with its sharing level; its owner, the only one
 * the edge lets into its IDE and private ports.
 */
export function workspaceRoute(
  ports: PortStore,
  workspace: Workspace,
  gate: GateEndpoint,
): WorkspaceRouteOptions {
  return {
    name: workspace.name,
    upstream: gate.address,
    gateSecret: gate.secret,
    owner: workspace.owner,
    ports: ports.list(workspace.id).map(({ port, sharing }) => ({ port, sharing })),
  };
}
