import type { WorkspaceRouteOptions } from '@rockpool/caddy';
import type { PortStore, Workspace, WorkspaceStore } from '@rockpool/db';
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

/** The states a request through the edge starts a workspace from (see the server's wake handler). */
export const SLEEPING_STATES: readonly Workspace['state'][] = ['suspended', 'stopped'];

/**
 * The route of a sleeping workspace: its IDE and every registered port lead to the control plane's
 * wake handler (`upstream`), which starts it, with the workspace's wake token in place of a gate
 * secret. Undefined when the database holds no token for it.
 */
export function wakeRoute(
  stores: { ports: PortStore; workspaces: Pick<WorkspaceStore, 'wakeToken'> },
  workspace: Workspace,
  upstream: string,
): WorkspaceRouteOptions | undefined {
  const token = stores.workspaces.wakeToken(workspace.id);
  if (token === undefined) return undefined;
  return {
    name: workspace.name,
    upstream,
    gateSecret: token,
    // The edge checks owner and sharing before the wake handler, as it would before the gate.
    owner: workspace.owner,
    ports: stores.ports.list(workspace.id).map(({ port, sharing }) => ({ port, sharing })),
  };
}
