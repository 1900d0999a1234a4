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

export interface VmInfo {
  workspace: string;
  state: VmState;
  /** Dial address (`host:port`) of the guest's code-server, when running. */
  ide?: string;
  /** The host process that runs the VM, when running. */
  pid?: number;
}

export interface VmRuntime {
  readonly kind: RuntimeKind;
  /** Creates the VM and its disk from the base image; a no-op if it exists. */
  create(spec: VmSpec): Promise<void>;
  /** Boots the VM; a no-op if it runs. Resolves once booting began, not when code-server is up. */
  start(spec: VmSpec): Promise<VmInfo>;
  inspect(workspace: string): Promise<VmInfo>;
  /**
   * Makes guest TCP `port` reachable from the host without restarting the VM; returns the dial
   * address Caddy should proxy to. Calling it again for the same port returns the same address.
   */
  exposePort(workspace: string, port: number): Promise<string>;
  /** Undoes {@link exposePort}; a no-op if the port is not exposed or the VM is not running. */
  unexposePort(workspace: string, port: number): Promise<void>;
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
      | 'port_unavailable'
      | 'image_missing',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}
