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

export type VmState = 'absent' | 'stopped' | 'running';

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
}

export interface VmRuntime {
  readonly kind: RuntimeKind;
  /** Creates the VM and its disk from the base image; a no-op if it exists. */
  create(spec: VmSpec): Promise<void>;
  /**
   * Boots the VM with a new gate secret, or keeps a running one (and its secret); a no-op if it
   * runs. Resolves once the guest's gate has its secret, not when code-server is up. Guest ports
   * need nothing from the runtime: the gate reaches every one.
   */
  start(spec: VmSpec): Promise<VmInfo>;
  inspect(workspace: string): Promise<VmInfo>;
  /** Stops the VM, keeping its disk; a no-op if it is not running. */
  stop(workspace: string): Promise<void>;
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
