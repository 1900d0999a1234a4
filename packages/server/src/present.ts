import { WORKSPACES_ORIGIN_HEADER } from '@rockpool/caddy';
import type { ForwardedPort } from '@rockpool/db';
import { allowedActions, ideUrl, type Port, portUrl, type Workspace } from '@rockpool/model';
import type { Context } from 'hono';
import type { WorkspaceWithPorts } from './service.js';

/** `https://host:8443`: a scheme, a host and maybe a port, nothing else. */
export function isHttpOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * Where the workspaces are reached, where IDE and app URLs start: what the edge says (it follows
 * `rockpool reconfigure`), else the configured origin. Never the request's Host, which any client
 * can set: a link built on it would point wherever the request said.
 */
export function workspaceOrigin(c: Context, configured: string): string {
  const fromEdge = c.req.header(WORKSPACES_ORIGIN_HEADER);
  return fromEdge !== undefined && isHttpOrigin(fromEdge) ? fromEdge : configured;
}

export const presentPort = (origin: string, name: string, port: ForwardedPort): Port => ({
  port: port.port,
  url: portUrl({ mode: 'path', origin }, name, port.port),
  listening: port.listening,
  sharing: port.sharing,
  createdAt: port.createdAt,
});

/** A workspace as the API shows it: with its IDE and port URLs and what it allows now. */
export const presentWorkspace = (origin: string, workspace: WorkspaceWithPorts): Workspace => ({
  ...workspace,
  ideUrl: ideUrl({ mode: 'path', origin }, workspace.name),
  ports: workspace.ports.map((p) => presentPort(origin, workspace.name, p)),
  actions: allowedActions(workspace.state),
});
