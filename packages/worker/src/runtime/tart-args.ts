/**
 * tart's CLI (github.com/cirruslabs/tart, Sources/tart/Commands): pure argument builders.
 * `get`/`list --format json` report `State` ("running", "stopped", "suspended") and `Running`;
 * `ip --wait N` exits 1 when the VM has no address; `stop` is a no-op unless the VM runs.
 */

/**
 * Every workspace VM is named `rockpool-ws-<workspace>`, so orphans can be found; the `ws-` keeps
 * base images such as `rockpool-base` from ever looking like a workspace (and being reaped).
 */
export const TART_VM_PREFIX = 'rockpool-ws-';

export function tartVmName(workspace: string): string {
  return `${TART_VM_PREFIX}${workspace}`;
}

export function tartCloneArgs(source: string, vm: string): string[] {
  return ['clone', source, vm];
}

export function tartSetArgs(vm: string, cpus: number, memoryMiB: number): string[] {
  return ['set', vm, '--cpu', String(cpus), '--memory', String(memoryMiB)];
}

/**
 * tart has no detach mode: the caller runs this in the background and keeps its output. The share
 * is how the workspace name reaches the guest: a read-only virtiofs directory (tag
 * com.apple.virtio-fs.automount in Linux guests) holding `workspace.env`.
 */
export function tartRunArgs(vm: string, share: { name: string; path: string }): string[] {
  return ['run', vm, '--no-graphics', `--dir=${share.name}:${share.path}:ro`];
}

export function tartIpArgs(vm: string, waitSeconds: number): string[] {
  return ['ip', vm, '--wait', String(waitSeconds)];
}

export function tartStopArgs(vm: string, timeoutSeconds = 30): string[] {
  return ['stop', vm, '--timeout', String(timeoutSeconds)];
}

export function tartDeleteArgs(vm: string): string[] {
  return ['delete', vm];
}

export function tartGetArgs(vm: string): string[] {
  return ['get', vm, '--format', 'json'];
}

export function tartListArgs(): string[] {
  return ['list', '--source', 'local', '--format', 'json'];
}

/** `tart get --format json` */
export interface TartVmInfo {
  CPU: number;
  Memory: number;
  Disk: number;
  Display: string;
  Running: boolean;
  State: 'running' | 'stopped' | 'suspended' | string;
}

/** One entry of `tart list --format json` */
export interface TartListEntry {
  Source: string;
  Name: string;
  Disk: number;
  Size: number;
  Running: boolean;
  State: string;
}
