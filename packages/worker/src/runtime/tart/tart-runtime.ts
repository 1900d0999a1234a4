import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertWorkspaceName, isWorkspaceName } from '@rockpool/model';
import { readGateSecret } from '../gate-secret.js';
import { RuntimeError, type VmInfo, type VmRuntime, type VmSpec } from '../vm-runtime.js';
import {
  tartCloneArgs,
  tartDeleteArgs,
  tartListArgs,
  tartSetArgs,
  tartStopArgs,
  tartVmName,
  workspaceOfTartVm,
} from './tart-args.js';
import { failed, TartCli } from './tart-cli.js';
import { classifyTartFailure, parseTartList } from './tart-output.js';
import { type LaunchedRun, TART_GATE_SECRET_FILE, TartRuns } from './tart-run.js';

export interface TartRuntimeOptions {
  /** A local tart VM provisioned like the Linux guest (scripts/guest/README.md), cloned per workspace. */
  baseImage: string;
  /** Per workspace `<stateDir>/<workspace>/`: `tart.log`, `tart-run.pid` and `share/` (seen by the guest). */
  stateDir: string;
  tartBinary?: string;
  /** Extra environment for tart, over this process's (e.g. TART_HOME). */
  env?: NodeJS.ProcessEnv;
  /** The gate's port inside the guest (code-server and every app port are behind it). */
  guestIdePort?: number;
  /** How long `start` waits for the guest's DHCP lease (`tart ip --wait`). */
  ipWaitSeconds?: number;
  /** How long `tart run` may take to take the VM's lock, i.e. for `tart get` to say "running". */
  runStartTimeoutMs?: number;
  /** `tart stop --timeout`: graceful shutdown time before tart kills the VM. */
  stopTimeoutSeconds?: number;
}

const POLL_MS = 200;

/**
 * One tart VM per workspace (macOS). Guests are reachable at their own IP; their firewall lets in
 * only the gate (and ssh), and every route goes through the gate at `{ip}:8080`.
 */
export class TartRuntime implements VmRuntime {
  readonly kind = 'tart' as const;
  readonly #options: Required<TartRuntimeOptions>;
  readonly #cli: TartCli;
  readonly #runs: TartRuns;
  /** Per workspace, the tail of the chain of create/start/stop/delete calls, run one at a time. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: TartRuntimeOptions) {
    this.#options = {
      tartBinary: 'tart',
      env: {},
      guestIdePort: 8080,
      ipWaitSeconds: 120,
      runStartTimeoutMs: 30_000,
      stopTimeoutSeconds: 30,
      ...options,
    } satisfies Required<TartRuntimeOptions>;
    const { tartBinary, env, stateDir } = this.#options;
    this.#cli = new TartCli(tartBinary, env);
    this.#runs = new TartRuns({ tartBinary, env, stateDir });
  }

  async create(spec: VmSpec): Promise<void> {
    assertWorkspaceName(spec.workspace);
    return this.#exclusive(spec.workspace, () => this.#create(spec));
  }

  async start(spec: VmSpec): Promise<VmInfo> {
    assertWorkspaceName(spec.workspace);
    return this.#exclusive(spec.workspace, () => this.#start(spec));
  }

  async inspect(workspace: string): Promise<VmInfo> {
    assertWorkspaceName(workspace);
    const state = await this.#cli.state(tartVmName(workspace));
    if (state === 'absent') return { workspace, state: 'absent' };
    // A suspended VM is off, its memory saved; `start` resumes it.
    if (state !== 'running') return { workspace, state: 'stopped' };
    return this.#running(workspace, 0);
  }

  async stop(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    return this.#exclusive(workspace, () => this.#stop(workspace));
  }

  async delete(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    return this.#exclusive(workspace, () => this.#delete(workspace));
  }

  async list(): Promise<string[]> {
    const listed = await this.#cli.run(tartListArgs());
    return parseTartList(listed.stdout)
      .filter((vm) => vm.name !== this.#options.baseImage)
      .map((vm) => workspaceOfTartVm(vm.name))
      .filter((workspace) => isWorkspaceName(workspace))
      .sort();
  }

  /** The end of the VM's log (`tart run` output): for error messages and debugging. */
  async logTail(workspace: string, lines = 20): Promise<string> {
    assertWorkspaceName(workspace);
    return this.#runs.logTail(workspace, lines);
  }

  /**
   * Runs `fn` after every earlier create/start/stop/delete of `workspace` by this runtime settled:
   * two starts racing (a retried job, a reconcile) would otherwise launch two `tart run`s.
   */
  async #exclusive<T>(workspace: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(workspace) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(fn);
    this.#queues.set(workspace, current);
    try {
      return await current;
    } finally {
      if (this.#queues.get(workspace) === current) this.#queues.delete(workspace);
    }
  }

  async #create(spec: VmSpec): Promise<void> {
    const vm = tartVmName(spec.workspace);
    const sizing = tartSetArgs(vm, spec); // refuses a bad size before anything is cloned
    if ((await this.#cli.state(vm)) !== 'absent') return;
    const source = this.#options.baseImage;
    const cloned = await this.#cli.exec(tartCloneArgs(source, vm));
    if (cloned.exitCode !== 0) {
      const missing = classifyTartFailure(cloned.stderr) === 'vm_missing';
      throw new RuntimeError(
        missing ? 'image_missing' : 'vm_command_failed',
        `tart clone ${source} ${vm} failed: ${cloned.stderr}${missing ? ' (provision the base VM: scripts/guest/README.md)' : ''}`,
      );
    }
    try {
      await this.#cli.run(sizing);
    } catch (error) {
      // A retry would find the VM and skip sizing it: remove the half-made clone instead.
      await this.#cli.run(tartDeleteArgs(vm));
      throw error;
    }
  }

  async #start(spec: VmSpec): Promise<VmInfo> {
    const vm = tartVmName(spec.workspace);
    const state = await this.#cli.state(vm);
    if (state === 'running') return this.#running(spec.workspace, this.#options.ipWaitSeconds);
    if (state === 'absent') await this.#create(spec);
    const started = await this.#runs.launch(spec.workspace);
    try {
      await this.#untilRunning(spec.workspace, started);
      const info = await this.#running(spec.workspace, this.#options.ipWaitSeconds);
      if (!info.gate)
        throw new RuntimeError(
          'vm_start_failed',
          `${vm} runs but got no IP address (or has no gate secret) within ${this.#options.ipWaitSeconds} s: ${await this.#runs.logTail(spec.workspace)}`,
        );
      return info;
    } catch (error) {
      // What this call started, it stops; a failure to stop must not hide why it failed.
      await this.#stop(spec.workspace).catch((stopError: unknown) => {
        throw new RuntimeError(
          'vm_start_failed',
          `${(error as Error).message}; stopping it failed too: ${(stopError as Error).message}`,
          { cause: error },
        );
      });
      throw error;
    }
  }

  async #stop(workspace: string): Promise<void> {
    const vm = tartVmName(workspace);
    const state = await this.#cli.state(vm);
    if (state === 'running' || state === 'suspended') {
      const stopped = await this.#cli.exec(tartStopArgs(vm, this.#options.stopTimeoutSeconds));
      // Stopped meanwhile (by the guest, or a concurrent stop) is what was asked for.
      if (
        stopped.exitCode !== 0 &&
        !['not_running', 'vm_missing'].includes(classifyTartFailure(stopped.stderr))
      )
        throw failed(['stop', vm], stopped);
    }
    await this.#runs.end(workspace, this.#options.stopTimeoutSeconds * 1000);
  }

  async #delete(workspace: string): Promise<void> {
    await this.#stop(workspace);
    const vm = tartVmName(workspace);
    const deleted = await this.#cli.exec(tartDeleteArgs(vm));
    if (deleted.exitCode !== 0 && classifyTartFailure(deleted.stderr) !== 'vm_missing')
      throw failed(['delete', vm], deleted);
    await this.#runs.remove(workspace);
  }

  /** Waits until tart holds the VM's lock (state "running"); fails at once if `tart run` exits. */
  async #untilRunning(workspace: string, run: LaunchedRun): Promise<void> {
    const vm = tartVmName(workspace);
    const deadline = Date.now() + this.#options.runStartTimeoutMs;
    for (;;) {
      if ((await this.#cli.state(vm)) === 'running') return;
      if (run.exited())
        throw new RuntimeError(
          'vm_start_failed',
          `tart run ${vm} exited: ${await this.#runs.logTail(workspace)}`,
        );
      if (Date.now() > deadline)
        throw new RuntimeError(
          'vm_start_failed',
          `tart run ${vm} (pid ${run.pid}) did not start the VM within ${this.#options.runStartTimeoutMs} ms: ${await this.#runs.logTail(workspace)}`,
        );
      await sleep(POLL_MS);
    }
  }

  async #running(workspace: string, ipWaitSeconds: number): Promise<VmInfo> {
    const ip = await this.#cli.ip(tartVmName(workspace), ipWaitSeconds);
    const pid = await this.#runs.pid(workspace);
    const secret = await readGateSecret(join(this.#runs.files(workspace).share, TART_GATE_SECRET_FILE));
    return {
      workspace,
      state: 'running',
      ...(ip && secret ? { gate: { address: `${ip}:${this.#options.guestIdePort}`, secret } } : {}),
      ...(pid ? { pid } : {}),
    };
  }
}
