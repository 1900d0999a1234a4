/**
 * One interface for every VM backend (qemu on Linux, tart on macOS). Every method is idempotent:
 * the worker retries job steps after a crash, so calling one twice must do no harm. VMs are named
 * after their workspace (names are DNS labels, validated before they reach a runtime).
 */

export type RuntimeKind = 'qemu' | 'tart';

export interface VmSpec {
  /** The workspace name; also passed into the guest as ROCKPOOL_WORKSPACE_NAME. */
  workspace: string;
  cpus: number;
  memoryMiB: number;
}

/** `suspended`: no process runs, and the VM's memory is saved beside its disk for `start` to restore. */
export type VmState = 'absent' | 'stopped' | 'suspended' | 'running';

/**
 * What a `start` that used saved memory did: `resumed` from it, came up from the guest `snapshot`
 * (the first start of a workspace created from it), or booted `cold` `instead` of either because it
 * could not be used (missing, corrupt, truncated, made for other hardware, or too slow to load), with
 * the reason; the memory is then gone. A start that found no saved memory reports nothing.
 */
export type BootReport =
  | {
      kind:
        | 'resumed'
        | 'snapshot' /** Something the user should know, e.g. the guest clock could not be set. */;
      notice?: string;
    }
  | { kind: 'cold'; instead: 'resume' | 'snapshot'; reason: string };

/**
 * How the host reaches a running guest: its gate (packages/guest), the one guest service open to
 * the outside. It forwards a request to code-server, or with `X-Rockpool-Port: N` to guest port N,
 * only if it carries `X-Rockpool-Gate: {secret}`. Every route and probe of the workspace uses it.
 */
export interface GateEndpoint {
  /** Dial address, `host:port`. */
  address: string;
  /** The workspace's secret for this boot: never on a command line, never logged. */
  secret: string;
}

export interface VmInfo {
  workspace: string;
  state: VmState;
  /** The guest's gate, when running. */
  gate?: GateEndpoint;
  /** The host process that runs the VM, when running. */
  pid?: number;
  /** Set by a `start` that found saved memory (not by a plain cold boot, nor when already running). */
  boot?: BootReport;
}

export interface VmRuntime {
  readonly kind: RuntimeKind;
  /**
   * Whether {@link suspend} keeps memory (open editors, terminals and processes come back) or is a
   * plain stop (tart with Linux guests: `tart suspend` works only for macOS guests).
   */
  readonly suspendKeepsMemory: boolean;
  /** Creates the VM and its disk from the base image; a no-op if it exists. */
  create(spec: VmSpec): Promise<void>;
  /**
   * Boots the VM with a new gate secret, or resumes it from its saved memory when it is suspended
   * (the gate then gets a new secret too); a no-op if it runs (it keeps its secret). Resolves once
   * the guest's gate has its secret, not when code-server is up. Guest ports need nothing from the
   * runtime: the gate reaches every one.
   */
  start(spec: VmSpec): Promise<VmInfo>;
  inspect(workspace: string): Promise<VmInfo>;
  /** Stops the VM, keeping its disk (and discarding saved memory); a no-op if it is not running. */
  stop(workspace: string): Promise<void>;
  /**
   * Saves the VM's memory and device state beside its disk, then ends its process, so it uses no
   * host CPU or RAM; `start` resumes it. A no-op unless the VM runs. Where memory cannot be kept
   * ({@link suspendKeepsMemory} false) it stops the VM. `stop` of a suspended VM discards the memory.
   */
  suspend(workspace: string): Promise<void>;
  /** Bytes the workspace takes on the host's disk (its disk and any saved memory); undefined if unknown. */
  diskUsage(workspace: string): Promise<number | undefined>;
  /** Removes the VM and its disk; a no-op if it is absent. */
  delete(workspace: string): Promise<void>;
  /** Workspaces that have a VM (running or not): reconciliation uses it to find orphans. */
  list(): Promise<string[]>;
}

/** A runtime operation failed; `code` says which kind of failure, `message` what to do. */
export class RuntimeError extends Error {
  constructor(
    readonly code:
      | 'runtime_unavailable'
      | 'vm_not_found'
      | 'vm_start_failed'
      | 'vm_command_failed'
      | 'image_missing',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}
