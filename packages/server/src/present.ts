import { WORKSPACES_PORT_HEADER } from '@rockpool/caddy';
import type { ForwardedPort } from '@rockpool/db';
import { allowedActions, type Port, type Workspace } from '@rockpool/model';
import type { Context } from 'hono';
import type { WorkspaceWithPorts } from './service.js';

/** Where the workspaces are reached, on the request's own host: IDE and app URLs start here. */
export function workspaceOrigin(c: Context, workspacePort: number): string {
  const proto = c.req.header('x-forwarded-proto') ?? 'http';
  const host = (c.req.header('x-forwarded-host') ?? c.req.header('host') ?? new URL(c.req.url).host).replace(
    /:\d+$/,
    '',
  );
  // The edge says where the workspaces are now (rockpool reconfigure may have moved them).
  const fromEdge = c.req.header(WORKSPACES_PORT_HEADER);
  const port = fromEdge && /^\d{1,5}$/.test(fromEdge) ? fromEdge : workspacePort;
  return `${proto}://${host}:${port}`;
}

export const presentPort = (origin: string, name: string, port: ForwardedPort): Port => ({
  port: port.port,
  url: `${origin}/workspace/${name}/port/${port.port}/`,
  listening: port.listening,
  createdAt: port.createdAt,
});

/** A workspace as the API shows it: with its IDE and port URLs and what it allows now. */
export const presentWorkspace = (origin: string, workspace: WorkspaceWithPorts): Workspace => ({
  ...workspace,
  ideUrl: `${origin}/workspace/${workspace.name}/`,
  ports: workspace.ports.map((p) => presentPort(origin, workspace.name, p)),
  actions: allowedActions(workspace.state),
});
