import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPort, assertWorkspaceName, isWorkspaceName } from '@rockpool/model';
import { execa } from 'execa';
import { waitForExit } from './process-exit.js';
import {
  tartCloneArgs,
  tartDeleteArgs,
  tartGetArgs,
  tartIpArgs,
  tartListArgs,
  tartRunArgs,
  tartSetArgs,
  tartStopArgs,
  tartVmName,
  workspaceOfTartVm,
} from './tart-args.js';
import { classifyTartFailure, parseTartGet, parseTartList, type TartState } from './tart-output.js';
import { RuntimeError, type VmInfo, type VmRuntime, type VmSpec } from './vm-runtime.js';

export interface TartRuntimeOptions {
  /** A local tart VM provisioned like the Linux guest (scripts/guest/README.md), cloned per workspace. */
  baseImage: string;
  /** Per workspace `<stateDir>/<workspace>/`: `tart.log`, `tart-run.pid` and `share/` (seen by the guest). */
  stateDir: string;
  tartBinary?: string;
  /** Extra environment for tart, over this process's (e.g. TART_HOME). */
  env?: NodeJS.ProcessEnv;
  /** code-server's port inside the guest. */
  guestIdePort?: number;
  /** How long `start` waits for the guest's DHCP lease (`tart ip --wait`). */
  ipWaitSeconds?: number;
  /** How long `tart run` may take to take the VM's lock, i.e. for `tart get` to say "running". */
  runStartTimeoutMs?: number;
  /** `tart stop --timeout`: graceful shutdown time before tart kills the VM. */
  stopTimeoutSeconds?: number;
}

/**
 * Name of the `--dir` share that carries `workspace.env` (`ROCKPOOL_WORKSPACE_NAME=<name>`) into the
 * guest, read-only. tart has no way to pass environment to a guest; `tart exec` needs the Tart Guest
 * Agent, macOS 14 and a booted guest, while a share is there from the first instruction of boot. The
 * guest mounts the default tag, `mount -t virtiofs com.apple.virtio-fs.automount /mnt/shared`, and
 * reads `/mnt/shared/rockpool/workspace.env` (a named share is a subdirectory of the mount).
 */
export const TART_SHARE_NAME = 'rockpool';

/** The file in the share, `KEY=value` lines. */
export const TART_WORKSPACE_ENV_FILE = 'workspace.env';

const POLL_MS = 200;

/** One tart VM per workspace (macOS). Guests are reachable at their own IP, so ports need no forwarding. */
export class TartRuntime implements VmRuntime {
  readonly kind = 'tart' as const;
  readonly #options: Required<TartRuntimeOptions>;
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
    const state = await this.#state(tartVmName(workspace));
    if (state === 'absent') return { workspace, state: 'absent' };
    // A suspended VM is off, its memory saved; `start` resumes it.
    if (state !== 'running') return { workspace, state: 'stopped' };
    return this.#running(workspace, 0);
  }

  async exposePort(workspace: string, port: number): Promise<string> {
    assertWorkspaceName(workspace);
    assertPort(port);
    const vm = tartVmName(workspace);
    const state = await this.#state(vm);
    if (state !== 'running')
      throw new RuntimeError(
        'vm_not_found',
        `workspace ${workspace} has no running VM to reach port ${port} on`,
      );
    const ip = await this.#ip(vm, 0);
    if (!ip) throw new RuntimeError('port_unavailable', `${vm} runs but has no IP address yet`);
    // Shared (NAT) networking: the host reaches the guest's own address, so nothing is forwarded.
    return `${ip}:${port}`;
  }

  async unexposePort(workspace: string, port: number): Promise<void> {
    assertWorkspaceName(workspace);
    assertPort(port);
    // Nothing to undo: exposePort forwards nothing.
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
    const listed = await this.#tart(tartListArgs());
    return parseTartList(listed.stdout)
      .filter((vm) => vm.name !== this.#options.baseImage)
      .map((vm) => workspaceOfTartVm(vm.name))
      .filter((workspace) => isWorkspaceName(workspace))
      .sort();
  }

  /** The end of the VM's log (`tart run` output): for error messages and debugging. */
  async logTail(workspace: string, lines = 20): Promise<string> {
    assertWorkspaceName(workspace);
    const text = await readFile(this.#paths(workspace).log, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '(no output)';
      throw error;
    });
    return text.trimEnd().split('\n').slice(-lines).join('\n');
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
    if ((await this.#state(vm)) !== 'absent') return;
    const source = this.#options.baseImage;
    const cloned = await this.#exec(tartCloneArgs(source, vm));
    if (cloned.exitCode !== 0) {
      const missing = classifyTartFailure(cloned.stderr) === 'vm_missing';
      throw new RuntimeError(
        missing ? 'image_missing' : 'vm_command_failed',
        `tart clone ${source} ${vm} failed: ${cloned.stderr}${missing ? ' (provision the base VM: scripts/guest/README.md)' : ''}`,
      );
    }
    try {
      await this.#tart(sizing);
    } catch (error) {
      // A retry would find the VM and skip sizing it: remove the half-made clone instead.
      await this.#tart(tartDeleteArgs(vm));
      throw error;
    }
  }

  async #start(spec: VmSpec): Promise<VmInfo> {
    const vm = tartVmName(spec.workspace);
    const state = await this.#state(vm);
    if (state === 'running') return this.#running(spec.workspace, this.#options.ipWaitSeconds);
    if (state === 'absent') await this.#create(spec);
    const started = await this.#launch(spec.workspace);
    try {
      await this.#untilRunning(spec.workspace, started);
      const info = await this.#running(spec.workspace, this.#options.ipWaitSeconds);
      if (!info.ide)
        throw new RuntimeError(
          'vm_start_failed',
          `${vm} runs but got no IP address within ${this.#options.ipWaitSeconds} s: ${await this.logTail(spec.workspace)}`,
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
    const state = await this.#state(vm);
    if (state === 'running' || state === 'suspended') {
      const stopped = await this.#exec(tartStopArgs(vm, this.#options.stopTimeoutSeconds));
      // Stopped meanwhile (by the guest, or a concurrent stop) is what was asked for.
      if (
        stopped.exitCode !== 0 &&
        !['not_running', 'vm_missing'].includes(classifyTartFailure(stopped.stderr))
      )
        throw this.#failed(['stop', vm], stopped);
    }
    const pid = await this.#runPid(workspace);
    if (pid) await this.#endRun(workspace, pid);
    await rm(this.#paths(workspace).pidFile, { force: true });
  }

  /**
   * `tart stop` returns once the VM's lock is released, so our `tart run` is exiting; one still
   * there never took the lock (stopped while starting) or hangs: SIGINT is how tart stops it too,
   * then SIGKILL. Between steps the pid is checked again: an exited process that its new parent
   * has not reaped yet still answers kill(pid, 0).
   */
  async #endRun(workspace: string, pid: number): Promise<void> {
    const steps: [NodeJS.Signals | undefined, number][] = [
      [undefined, 5_000],
      ['SIGINT', this.#options.stopTimeoutSeconds * 1000],
      ['SIGKILL', 5_000],
    ];
    for (const [sig, waitMs] of steps) {
      if (sig) signal(pid, sig);
      if ((await waitForExit(pid, waitMs)) || !(await this.#runPid(workspace))) return;
    }
    throw new RuntimeError(
      'vm_command_failed',
      `tart run of ${tartVmName(workspace)} (pid ${pid}) does not exit`,
    );
  }

  async #delete(workspace: string): Promise<void> {
    await this.#stop(workspace);
    const vm = tartVmName(workspace);
    const deleted = await this.#exec(tartDeleteArgs(vm));
    if (deleted.exitCode !== 0 && classifyTartFailure(deleted.stderr) !== 'vm_missing')
      throw this.#failed(['delete', vm], deleted);
    await rm(this.#paths(workspace).dir, { recursive: true, force: true });
  }

  #paths(workspace: string) {
    const dir = join(this.#options.stateDir, workspace);
    return { dir, log: join(dir, 'tart.log'), pidFile: join(dir, 'tart-run.pid'), share: join(dir, 'share') };
  }

  /**
   * Runs `tart run` detached (its own session, so a worker restart or a signal to the worker's
   * process group leaves the VM alone), output appended to the log, pid in the pid file. A
   * `tart run` of ours that is still alive (starting, or a retry racing it) is reused, not doubled.
   */
  async #launch(workspace: string): Promise<{ pid: number; exited: () => boolean }> {
    const running = await this.#runPid(workspace);
    if (running) return { pid: running, exited: () => !isAlive(running) };
    const paths = this.#paths(workspace);
    await mkdir(paths.share, { recursive: true, mode: 0o755 });
    await writeFile(join(paths.share, TART_WORKSPACE_ENV_FILE), `ROCKPOOL_WORKSPACE_NAME=${workspace}\n`, {
      mode: 0o644,
    });
    const args = tartRunArgs(tartVmName(workspace), {
      shares: [{ name: TART_SHARE_NAME, path: paths.share, readOnly: true }],
    });
    const log = await open(paths.log, 'a', 0o600);
    try {
      await log.write(`--- ${new Date().toISOString()} ${this.#options.tartBinary} ${args.join(' ')}\n`);
      // execa documents "a file descriptor integer" for stdout/stderr and hands it to spawn() as
      // is, so `tart run` writes the log itself and nothing passes through this process (which may
      // go away); execa's types only admit the literals 3-9.
      const logFd = log.fd as 3;
      const child = execa(this.#options.tartBinary, args, {
        detached: true,
        cleanup: false,
        reject: false,
        stdin: 'ignore',
        stdout: logFd,
        stderr: logFd,
        cwd: paths.dir,
        env: this.#options.env,
      });
      let exited = false;
      // Settles only while this process lives; the VM does not depend on it.
      void child.then(() => {
        exited = true;
      });
      child.unref();
      if (child.pid === undefined) {
        const result = await child;
        throw new RuntimeError(
          'runtime_unavailable',
          `cannot run ${this.#options.tartBinary}: ${result.message}`,
          { cause: result },
        );
      }
      await writeFile(paths.pidFile, `${child.pid}\n`);
      return { pid: child.pid, exited: () => exited || !isAlive(child.pid as number) };
    } finally {
      await log.close();
    }
  }

  /** Waits until tart holds the VM's lock (state "running"); fails at once if `tart run` exits. */
  async #untilRunning(workspace: string, run: { pid: number; exited: () => boolean }): Promise<void> {
    const vm = tartVmName(workspace);
    const deadline = Date.now() + this.#options.runStartTimeoutMs;
    for (;;) {
      if ((await this.#state(vm)) === 'running') return;
      if (run.exited())
        throw new RuntimeError('vm_start_failed', `tart run ${vm} exited: ${await this.logTail(workspace)}`);
      if (Date.now() > deadline)
        throw new RuntimeError(
          'vm_start_failed',
          `tart run ${vm} (pid ${run.pid}) did not start the VM within ${this.#options.runStartTimeoutMs} ms: ${await this.logTail(workspace)}`,
        );
      await sleep(POLL_MS);
    }
  }

  async #running(workspace: string, ipWaitSeconds: number): Promise<VmInfo> {
    const ip = await this.#ip(tartVmName(workspace), ipWaitSeconds);
    const pid = await this.#runPid(workspace);
    return {
      workspace,
      state: 'running',
      ...(ip ? { ide: `${ip}:${this.#options.guestIdePort}` } : {}),
      ...(pid ? { pid } : {}),
    };
  }

  async #state(vm: string): Promise<TartState | 'absent'> {
    const result = await this.#exec(tartGetArgs(vm));
    if (result.exitCode !== 0) {
      if (classifyTartFailure(result.stderr) === 'vm_missing') return 'absent';
      throw this.#failed(['get', vm], result);
    }
    try {
      return parseTartGet(result.stdout);
    } catch (error) {
      throw new RuntimeError('vm_command_failed', `tart get ${vm}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The guest's address, or undefined while it has none (booting, or not running). */
  async #ip(vm: string, waitSeconds: number): Promise<string | undefined> {
    const result = await this.#exec(tartIpArgs(vm, waitSeconds));
    if (result.exitCode === 0) return result.stdout.trim();
    if (['no_ip', 'vm_missing'].includes(classifyTartFailure(result.stderr))) return undefined;
    throw this.#failed(['ip', vm], result);
  }

  /**
   * The pid of our `tart run` of this workspace's VM, if it is alive. The command line is checked
   * so that a pid reused after a crash is never taken for it (and never signalled).
   */
  async #runPid(workspace: string): Promise<number | undefined> {
    const text = await readFile(this.#paths(workspace).pidFile, 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      },
    );
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    const ps = await execa('ps', ['-o', 'command=', '-p', String(pid)], { reject: false, stdin: 'ignore' });
    const runsThisVm = new RegExp(`(^|\\s)run\\s+${tartVmName(workspace)}(\\s|$)`);
    return ps.exitCode === 0 && runsThisVm.test(ps.stdout) ? pid : undefined;
  }

  /** Runs tart to completion; only a tart that cannot be run at all throws here. */
  async #exec(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const result = await execa(this.#options.tartBinary, args, {
      reject: false,
      stdin: 'ignore',
      env: this.#options.env,
    });
    if (result.exitCode === undefined)
      throw result.signal
        ? new RuntimeError('vm_command_failed', `tart ${args[0]} was killed (${result.signal})`, {
            cause: result,
          })
        : new RuntimeError(
            'runtime_unavailable',
            `cannot run ${this.#options.tartBinary} (is tart installed? https://tart.run): ${result.message}`,
            { cause: result },
          );
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.trim() };
  }

  async #tart(args: string[]): Promise<{ stdout: string }> {
    const result = await this.#exec(args);
    if (result.exitCode !== 0) throw this.#failed(args, result);
    return result;
  }

  #failed(args: string[], result: { exitCode: number; stderr: string; stdout: string }): RuntimeError {
    const said = result.stderr || result.stdout.trim() || '(no output)';
    return new RuntimeError('vm_command_failed', `tart ${args.join(' ')} exited ${result.exitCode}: ${said}`);
  }
}

/** Sends `sig`; a process that is already gone is what was wanted. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Whether a process exists; EPERM means it does, owned by someone else. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
