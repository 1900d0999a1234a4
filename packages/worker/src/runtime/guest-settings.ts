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
 * The settings of `workspace`'s guest. VS Code's port links are the guest's default in every routing
 * mode, `./port/{{port}}/` against the IDE's page: in subdomain mode the edge redirects the IDE
 * host's `/port/{port}/` to the port's own host, so a guest never needs to know its origin.
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
