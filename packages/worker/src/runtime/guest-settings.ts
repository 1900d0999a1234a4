import { assertWorkspaceName } from '@rockpool/model';

/**
 * What a guest is told about its workspace at boot (scripts/guest/rockpool-settings applies it, the
 * same in both guests): QEMU passes it on the kernel command line, tart in the share's
 * `workspace.env`. Nothing here is secret: the gate's secret travels apart, never on a command line.
 */
export interface GuestSettings {
  ROCKPOOL_WORKSPACE_NAME: string;
}

/**
 * The settings of `workspace`'s guest. VS Code's port links need none: the guest's default
 * VSCODE_PROXY_URI, `./port/{{port}}/`, is resolved by VS Code against its own page
 * (`/workspace/{name}/`), so it is right for every workspace, whatever origin browsers use, and in a
 * guest restored from a snapshot too (see scripts/guest/rockpool-settings).
 */
export function guestSettings(workspace: string): GuestSettings {
  assertWorkspaceName(workspace);
  return { ROCKPOOL_WORKSPACE_NAME: workspace };
}

/** `KEY=value` lines, as rockpool-settings and systemd's EnvironmentFile read them. */
export function guestSettingsFile(settings: GuestSettings): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}
