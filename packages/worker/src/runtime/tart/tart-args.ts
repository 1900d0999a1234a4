/**
 * tart's CLI as pure argument builders. Every flag here is read from tart's own sources,
 * github.com/cirruslabs/tart `Sources/tart/Commands/*.swift` (Clone, Set, Run, IP, Stop, Delete,
 * Get, List); the runtime only runs what these return.
 */

/**
 * Every workspace VM is named `rockpool-ws-<workspace>`, so orphans can be found by prefix. The
 * `ws-` keeps the base image (`rockpool-base`) from ever looking like the VM of a workspace named
 * `base`, which reconciliation would otherwise delete.
 */
export const TART_VM_PREFIX = 'rockpool-ws-';

export function tartVmName(workspace: string): string {
  return `${TART_VM_PREFIX}${workspace}`;
}

/** The workspace a VM belongs to, or undefined for a VM Rockpool did not name. */
export function workspaceOfTartVm(vm: string): string | undefined {
  return vm.startsWith(TART_VM_PREFIX) ? vm.slice(TART_VM_PREFIX.length) : undefined;
}

/** One `--dir` share of `tart run` (Run.swift `DirectoryShare`). */
export interface TartDirShare {
  /** A named share appears as `<mount point>/<name>` in the guest. */
  name: string;
  /** Absolute host path of the directory. */
  path: string;
  readOnly: boolean;
}

/**
 * `--dir=[name:]path[:options]`. tart strips the options (`ro`, `tag=`) from the last `:` field and
 * splits name from path at the first `:`, so neither may hold a `:` or `,` of its own.
 */
export function tartDirArg(share: TartDirShare): string {
  if (!/^[A-Za-z0-9._-]+$/.test(share.name))
    throw new RangeError(
      `tart share name ${JSON.stringify(share.name)} must be letters, digits, ".", "_", "-"`,
    );
  if (!share.path.startsWith('/') || /[:,]/.test(share.path))
    throw new RangeError(
      `tart share path ${JSON.stringify(share.path)} must be absolute, without ":" or ","`,
    );
  return `--dir=${share.name}:${share.path}${share.readOnly ? ':ro' : ''}`;
}

/** `tart clone <source-name> <new-name>`: APFS copy-on-write; a local source gets a fresh MAC address. */
export function tartCloneArgs(source: string, vm: string): string[] {
  return ['clone', source, vm];
}

/** `tart set <name> --cpu N --memory MiB` (Set.swift multiplies `--memory` by 1024 * 1024). */
export function tartSetArgs(vm: string, size: { cpus: number; memoryMiB: number }): string[] {
  for (const [what, value] of [
    ['cpus', size.cpus],
    ['memoryMiB', size.memoryMiB],
  ] as const)
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${what} must be a positive integer (got ${value})`);
  return ['set', vm, '--cpu', String(size.cpus), '--memory', String(size.memoryMiB)];
}

export interface TartRunOptions {
  shares: TartDirShare[];
}

/**
 * `tart run <name> --no-graphics [--dir=...]`. tart has no detach mode: it runs the VM in the
 * foreground until `tart stop` (SIGINT) or the guest powers off, so the caller runs it in the
 * background and keeps its output as the VM's log.
 */
export function tartRunArgs(vm: string, options: TartRunOptions): string[] {
  return ['run', vm, '--no-graphics', ...options.shares.map(tartDirArg)];
}

/** `tart ip <name> --wait N`: polls the DHCP leases once a second for N seconds (a UInt16). */
export function tartIpArgs(vm: string, waitSeconds: number): string[] {
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 65535)
    throw new RangeError(`tart ip --wait takes 0-65535 seconds (got ${waitSeconds})`);
  return ['ip', vm, '--wait', String(waitSeconds)];
}

/** `tart stop <name> --timeout N`: SIGINT to `tart run`, SIGKILL after N seconds. */
export function tartStopArgs(vm: string, timeoutSeconds: number): string[] {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0)
    throw new RangeError(`tart stop --timeout takes whole seconds (got ${timeoutSeconds})`);
  return ['stop', vm, '--timeout', String(timeoutSeconds)];
}

export function tartDeleteArgs(vm: string): string[] {
  return ['delete', vm];
}

export function tartGetArgs(vm: string): string[] {
  return ['get', vm, '--format', 'json'];
}

/** Local VMs only: OCI cache entries are images, never workspaces. */
export function tartListArgs(): string[] {
  return ['list', '--source', 'local', '--format', 'json'];
}
