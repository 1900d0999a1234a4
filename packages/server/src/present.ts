import { WORKSPACES_ORIGIN_HEADER } from '@rockpool/caddy';
import type { ForwardedPort } from '@rockpool/db';
import {
  allowedActions,
  ideUrl,
  type Port,
  parseAddressing,
  portUrl,
  type Workspace,
  type WorkspaceAddressing,
} from '@rockpool/model';
import type { Context } from 'hono';
import type { WorkspaceWithPorts } from './service.js';

/**
 * Where the workspaces are reached, in which routing mode, where IDE and app URLs start: what the
 * edge says (it follows `rockpool reconfigure`; see formatAddressing for the form), else the
 * configured addressing. Never the request's Host, which any client can set: a link built on it
 * would point wherever the request said.
 */
export function workspaceAddressing(c: Context, configured: WorkspaceAddressing): WorkspaceAddressing {
  const fromEdge = c.req.header(WORKSPACES_ORIGIN_HEADER);
  return (fromEdge !== undefined ? parseAddressing(fromEdge) : undefined) ?? configured;
}

export const presentPort = (addressing: WorkspaceAddressing, name: string, port: ForwardedPort): Port => ({
  port: port.port,
  url: portUrl(addressing, name, port.port),
  listening: port.listening,
  sharing: port.sharing,
  createdAt: port.createdAt,
});

/** A workspace as the API shows it: with its IDE and port URLs and what it allows now. */
export const presentWorkspace = (
  addressing: WorkspaceAddressing,
  workspace: WorkspaceWithPorts,
): Workspace => ({
  ...workspace,
  ideUrl: ideUrl(addressing, workspace.name),
  ports: workspace.ports.map((p) => presentPort(addressing, workspace.name, p)),
  actions: allowedActions(workspace.state),
});
