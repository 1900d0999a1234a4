import { assertWorkspaceName } from '@rockpool/model';

/**
 * What a guest is told about its workspace at boot (scripts/guest/rockpool-settings applies it, the
 * same in both guests): QEMU passes it on the kernel command line, tart in the share's
 * `workspace.env`. Nothing here is secret: the gate's secret travels apart, never on a command line.
 */
export interface GuestSettings {
  ROCKPOOL_WORKSPACE_NAME: string;
  /**
   * VS Code's port links: Rockpool's forwarded-port URL, `{{port}}` filled in by VS Code. Absent
   * when the worker was not told where the workspaces are reached (ROCKPOOL_WORKSPACE_URL).
   */
  VSCODE_PROXY_URI?: string;
}

/** `https://host:8081`: a scheme, a host and maybe a port, nothing else. */
function assertHttpOrigin(origin: string): void {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin)
    throw new Error(
      `the workspaces origin must be a scheme and a host, like https://ws.example.com:8081 (got ${JSON.stringify(origin)})`,
    );
}

/** Checks a workspaces origin before any VM runs with it (for the runtimes' constructors). */
export function checkWorkspacesOrigin(origin: string | undefined): void {
  if (origin !== undefined) assertHttpOrigin(origin);
}

/** The settings of `workspace`'s guest; `workspacesOrigin` is where browsers reach the workspaces. */
export function guestSettings(workspace: string, workspacesOrigin: string | undefined): GuestSettings {
  assertWorkspaceName(workspace);
  if (workspacesOrigin === undefined) return { ROCKPOOL_WORKSPACE_NAME: workspace };
  assertHttpOrigin(workspacesOrigin);
  return {
    ROCKPOOL_WORKSPACE_NAME: workspace,
    VSCODE_PROXY_URI: `${workspacesOrigin}/workspace/${workspace}/port/{{port}}/`,
  };
}

/** `KEY=value` lines, as rockpool-settings and systemd's EnvironmentFile read them. */
export function guestSettingsFile(settings: GuestSettings): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}
