import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertWorkspaceName, isWorkspaceName } from '@rockpool/model';
import { readGateSecret } from '../gate-secret.js';
import { type GateEndpoint, RuntimeError, type VmInfo, type VmRuntime, type VmSpec } from '../vm-runtime.js';
import {
  type TartNetwork,
  tartCloneArgs,
  tartDeleteArgs,
  tartListArgs,
  tartSetArgs,
  tartVmName,
  tartVmPrefix,
  workspaceOfTartVm,
} from './tart-args.js';
import { untilThisBoot } from './tart-boot.js';
import { failed, TartCli } from './tart-cli.js';
import { classifyTartFailure, parseTartList } from './tart-output.js';
import { type LaunchedRun, TART_SHARE, TartRuns } from './tart-run.js';
import { shutDown } from './tart-shutdown.js';

export interface TartRuntimeOptions {
  /** A local tart VM provisioned like the Linux guest (scripts/guest/README.md), cloned per workspace. */
  baseImage: string;
  /** This Rockpool instance's id: its VMs are `rockpool-<instanceId>-ws-<workspace>` (tart-instance.ts). */
  instanceId: string;
  /** `softnet` where cirruslabs/softnet can run (tart-host.ts), else tart's shared NAT. */
  network?: TartNetwork;
  /** Per workspace `<stateDir>/<workspace>/`: `tart.log`, `tart-run.pid` and `share/` (seen by the guest). */
  stateDir: string;
  tartBinary?: string;
  /** Extra environment for tart, over this process's (e.g. TART_HOME). */
  env?: NodeJS.ProcessEnv;
  /** The gate's port inside the guest (code-server and every app port are behind it). */
  guestIdePort?: number;
  /** How long `start` waits for the guest's DHCP lease and its gate to answer as this boot. */
  ipWaitSeconds?: number;
  /** How long `tart run` may take to take the VM's lock, i.e. for `tart get` to say "running". */
  runStartTimeoutMs?: number;
  /** How long the guest may take to shut down when asked, before its power is cut (`tart stop`). */
  stopTimeoutSeconds?: number;
}

const POLL_MS = 200;

/**
 * One tart VM per workspace (macOS). Guests are reachable at their own IP; their firewall lets in
 * only the gate (and ssh), and every route goes through the gate at `{ip}:8080`.
 */
export class TartRuntime implements VmRuntime {
  readonly kind = 'tart' as const;
  /** `tart suspend` works only for macOS guests (helpers' tart notes, §8); workspaces run Linux. */
  readonly suspendKeepsMemory = false;
  readonly #options: Required<TartRuntimeOptions>;
  readonly #cli: TartCli;
  readonly #runs: TartRuns;
  /** Per workspace, the tail of the chain of create/start/stop/delete calls, run one at a time. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: TartRuntimeOptions) {
    this.#options = {
      tartBinary: 'tart',
      network: 'shared',
      env: {},
      guestIdePort: 8080,
      ipWaitSeconds: 120,
      runStartTimeoutMs: 30_000,
      stopTimeoutSeconds: 30,
      ...options,
    } satisfies Required<TartRuntimeOptions>;
    const { tartBinary, env, stateDir, network, instanceId } = this.#options;
    tartVmPrefix(instanceId); // refuses a bad id before anything runs
    this.#cli = new TartCli(tartBinary, env);
    const vmName = (w: string) => this.vmName(w);
    this.#runs = new TartRuns({ tartBinary, env, stateDir, network, vmName });
  }

  /** The tart VM of `workspace` (for operators and tests: `tart ip <vm>`). */
  vmName(workspace: string): string {
    return tartVmName(this.#options.instanceId, workspace);
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
    const state = await this.#cli.state(this.vmName(workspace));
    if (state === 'absent') return { workspace, state: 'absent' };
    // A suspended VM is off, its memory saved; `start` resumes it.
    if (state !== 'running') return { workspace, state: 'stopped' };
    return this.#running(workspace, 0);
  }

  async stop(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    return this.#exclusive(workspace, () => this.#stop(workspace));
  }

  /** A plain stop: see {@link suspendKeepsMemory}. */
  async suspend(workspace: string): Promise<void> {
    return this.stop(workspace);
  }

  /** tart keeps its VMs under TART_HOME, which this runtime does not measure. */
  async diskUsage(workspace: string): Promise<undefined> {
    assertWorkspaceName(workspace);
    return undefined;
  }

  async delete(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    return this.#exclusive(workspace, () => this.#delete(workspace));
  }

  async list(): Promise<string[]> {
    const listed = await this.#cli.run(tartListArgs());
    // Every VM of this TART_HOME, other instances' too: only this instance's prefix is ours.
    return parseTartList(listed.stdout)
      .map((vm) => workspaceOfTartVm(this.#options.instanceId, vm.name))
      .filter((workspace) => workspace !== undefined && isWorkspaceName(workspace))
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
    const vm = this.vmName(spec.workspace);
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
    const vm = this.vmName(spec.workspace);
    const state = await this.#cli.state(vm);
    if (state === 'running') return this.#running(spec.workspace, this.#options.ipWaitSeconds);
    if (state === 'absent') await this.#create(spec);
    const started = await this.#runs.launch(spec.workspace);
    try {
      await this.#untilRunning(spec.workspace, started);
      const gate = await this.#untilThisBoot(spec.workspace, started);
      return { workspace: spec.workspace, state: 'running', gate, pid: started.pid };
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
    await shutDown(
      { cli: this.#cli, runs: this.#runs, stopTimeoutSeconds: this.#options.stopTimeoutSeconds },
      workspace,
      this.vmName(workspace),
    );
  }

  async #delete(workspace: string): Promise<void> {
    await this.#stop(workspace);
    const vm = this.vmName(workspace);
    const deleted = await this.#cli.exec(tartDeleteArgs(vm));
    if (deleted.exitCode !== 0 && classifyTartFailure(deleted.stderr) !== 'vm_missing')
      throw failed(['delete', vm], deleted);
    await this.#runs.remove(workspace);
  }

  /** Waits until tart holds the VM's lock (state "running"); fails at once if `tart run` exits. */
  async #untilRunning(workspace: string, run: LaunchedRun): Promise<void> {
    const vm = this.vmName(workspace);
    const deadline = Date.now() + this.#options.runStartTimeoutMs;
    for (;;) {
      if ((await this.#cli.state(vm)) === 'running') return;
      if (run.exited()) throw await this.#runExited(workspace);
      if (Date.now() > deadline)
        throw new RuntimeError(
          'vm_start_failed',
          `tart run ${vm} (pid ${run.pid}) did not start the VM within ${this.#options.runStartTimeoutMs} ms: ${await this.#runs.logTail(workspace)}`,
        );
      await sleep(POLL_MS);
    }
  }

  /** This boot's gate (tart-boot.ts: a lease can be an earlier boot's), while watching `tart run`. */
  async #untilThisBoot(workspace: string, run: LaunchedRun): Promise<GateEndpoint> {
    const vm = this.vmName(workspace);
    const secret = await readGateSecret(join(this.#runs.files(workspace).share, TART_SHARE.gateSecretFile));
    if (!secret) throw new RuntimeError('vm_start_failed', `${vm} runs but its share has no gate secret`);
    return untilThisBoot({
      vm,
      ip: () => this.#cli.ip(vm, 0),
      exited: () => run.exited(),
      whyExited: () => this.#runExited(workspace),
      logTail: () => this.#runs.logTail(workspace),
      secret,
      gatePort: this.#options.guestIdePort,
      timeoutMs: this.#options.ipWaitSeconds * 1000,
    });
  }

  /** Why `tart run` ended, from its log; the two-VM limit is named, as it needs the user to act. */
  async #runExited(workspace: string): Promise<RuntimeError> {
    const log = await this.#runs.logTail(workspace);
    const limit = classifyTartFailure(log) === 'vm_limit';
    return new RuntimeError(
      'vm_start_failed',
      `${limit ? "macOS runs at most two VMs at a time (Virtualization.framework's limit, for every VM on this Mac): stop a workspace or another VM, then start again. " : ''}tart run ${this.vmName(workspace)} exited: ${log}`,
    );
  }

  async #running(workspace: string, ipWaitSeconds: number): Promise<VmInfo> {
    const ip = await this.#cli.ip(this.vmName(workspace), ipWaitSeconds);
    const pid = await this.#runs.pid(workspace);
    const gate = ip ? await this.#gate(workspace, ip) : undefined;
    return {
      workspace,
      state: 'running',
      ...(gate ? { gate } : {}),
      ...(pid ? { pid } : {}),
    };
  }

  /** The guest's gate at `ip`, with the secret its `tart run` was given (in the share). */
  async #gate(workspace: string, ip: string): Promise<GateEndpoint | undefined> {
    const secret = await readGateSecret(join(this.#runs.files(workspace).share, TART_SHARE.gateSecretFile));
    return secret ? { address: `${ip}:${this.#options.guestIdePort}`, secret } : undefined;
  }
}
