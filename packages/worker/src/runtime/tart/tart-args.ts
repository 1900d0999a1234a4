/**
 * tart's CLI as pure argument builders. Every flag here is read from tart's own sources,
 * github.com/cirruslabs/tart `Sources/tart/Commands/*.swift` (Clone, Set, Run, IP, Stop, Delete,
 * Get, List); the runtime only runs what these return.
 */

/**
 * Every workspace VM is named `rockpool-<instance>-ws-<workspace>`. tart keeps every VM of a user in
 * one `TART_HOME`, so two Rockpool instances on one Mac (a developer's and an e2e run, two CI jobs)
 * see each other's VMs: the instance id, kept in each data directory, makes each instance list,
 * reconcile and delete only its own. The `ws-` keeps the base image (`rockpool-base`) from ever looking
 * like the VM of a workspace.
 */
export function tartVmPrefix(instance: string): string {
  if (!isTartInstanceId(instance))
    throw new RangeError(
      `tart instance id ${JSON.stringify(instance)} must be 1-16 lowercase letters and digits`,
    );
  return `rockpool-${instance}-ws-`;
}

/** An instance id: 1-16 lowercase letters and digits (so the prefix cannot be mistaken). */
export function isTartInstanceId(id: string): boolean {
  return /^[a-z0-9]{1,16}$/.test(id);
}

export function tartVmName(instance: string, workspace: string): string {
  return `${tartVmPrefix(instance)}${workspace}`;
}

/** The workspace a VM of this instance belongs to, or undefined for any other VM. */
export function workspaceOfTartVm(instance: string, vm: string): string | undefined {
  const prefix = tartVmPrefix(instance);
  return vm.startsWith(prefix) ? vm.slice(prefix.length) : undefined;
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

/**
 * The guests' network. `shared` is tart's default, vmnet's NAT (`NetworkShared`): guests reach each
 * other and every address of the host. `softnet` (`--net-softnet`) puts each guest behind
 * cirruslabs/softnet, which blocks its traffic to private ranges (other guests, the LAN) except the
 * vmnet gateway, still lets the host reach the guest, and sets bootpd's lease time to 600 s.
 */
export type TartNetwork = 'shared' | 'softnet';

export interface TartRunOptions {
  shares: TartDirShare[];
  network: TartNetwork;
}

/**
 * `tart run <name> --no-graphics [--net-softnet] [--dir=...]`. tart has no detach mode: it runs the
 * VM in the foreground until the guest powers off (SIGUSR2 asks it to), or `tart stop` (SIGINT) cuts
 * the power, so the caller runs it in the background and keeps its output as the VM's log.
 */
export function tartRunArgs(vm: string, options: TartRunOptions): string[] {
  return [
    'run',
    vm,
    '--no-graphics',
    ...(options.network === 'softnet' ? ['--net-softnet'] : []),
    ...options.shares.map(tartDirArg),
  ];
}

/** `tart ip <name> --wait N`: polls the DHCP leases once a second for N seconds (a UInt16). */
export function tartIpArgs(vm: string, waitSeconds: number): string[] {
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 65535)
    throw new RangeError(`tart ip --wait takes 0-65535 seconds (got ${waitSeconds})`);
  return ['ip', vm, '--wait', String(waitSeconds)];
}

/**
 * `tart stop <name> --timeout N`: SIGINT to `tart run`, which calls `VZVirtualMachine.stop()`: the
 * guest's power is cut, with no chance to flush its disks (VM.swift); SIGKILL after N seconds.
 * A clean shutdown is SIGUSR2 to `tart run` (Run.swift), which asks the guest to power off.
 */
export function tartStopArgs(vm: string, timeoutSeconds: number): string[] {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0)
    throw new RangeError(`tart stop --timeout takes whole seconds (got ${timeoutSeconds})`);
  return ['stop', vm, '--timeout', String(timeoutSeconds)];
}

/**
 * `tart exec <name> <command> ...`: runs a command in the guest through the Tart Guest Agent
 * (Cirrus Labs' Linux images ship it; the host needs macOS 14). tart exits with the command's code.
 */
export function tartExecArgs(vm: string, command: string[]): string[] {
  if (command.length === 0) throw new RangeError('tart exec needs a command');
  return ['exec', vm, ...command];
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
