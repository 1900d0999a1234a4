import type { JobQueue, PortStore, WorkspaceStore } from '@rockpool/db';
import type { VmRuntime } from '../runtime/vm-runtime.js';

/** What every part of the worker works on: the database's stores, the VM runtime and the log. */
export interface WorkerPartDeps {
  workspaces: WorkspaceStore;
  ports: PortStore;
  jobs: JobQueue;
  runtime: VmRuntime;
  log: (message: string) => void;
  /**
   * Where the control plane's wake handler listens (`unix//path`): a suspended or stopped
   * workspace's routes lead there, so opening it starts it. Without it, they are removed.
   */
  wakeUpstream?: string;
}
