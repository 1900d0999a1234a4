import { assertWorkspaceName, type RoutingMode } from '@rockpool/model';

/**
 * What a guest is told about its workspace at boot (scripts/guest/rockpool-settings applies it, the
 * same in both guests): QEMU passes it on the kernel command line, tart in the share's
 * `workspace.env`. Nothing here is secret: the gate's secret travels apart, never on a command line.
 */
export interface GuestSettings {
  ROCKPOOL_WORKSPACE_NAME: string;
  /** VS Code's port links; unset: the guest's default, path mode's `./port/{{port}}/`. */
  VSCODE_PROXY_URI?: string;
}

/**
 * VS Code's port-link template (VSCODE_PROXY_URI) in a routing mode, the same for every workspace,
 * so a guest never needs to know its origin: VS Code fills in `{{port}}`, and `{{host}}` with its
 * page's host (and port), `alice.ws.example.com:8443`. Path mode: undefined, the guest's default
 * `./port/{{port}}/`, which VS Code resolves against its page `/workspace/{name}/`. Subdomain mode:
 * `//{{port}}--{{host}}/`, the port's own host beside the IDE's (`3000--alice.ws.example.com:8443`).
 */
export function portLinkTemplate(mode: RoutingMode): string | undefined {
  return mode === 'subdomain' ? '//{{port}}--{{host}}/' : undefined;
}

/** The settings of `workspace`'s guest, with VS Code's port links for the routing mode. */
export function guestSettings(workspace: string, mode: RoutingMode = 'path'): GuestSettings {
  assertWorkspaceName(workspace);
  const portLinks = portLinkTemplate(mode);
  return { ROCKPOOL_WORKSPACE_NAME: workspace, ...(portLinks ? { VSCODE_PROXY_URI: portLinks } : {}) };
}

/** `KEY=value` lines, as rockpool-settings and systemd's EnvironmentFile read them. */
export function guestSettingsFile(settings: GuestSettings): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}
