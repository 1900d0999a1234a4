import { appendFile, chmod, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { newGateSecret, writeGateSecret } from '../gate-secret.js';
import { guestSettings, guestSettingsFile } from '../guest-settings.js';
import { isAlive, signal, waitForExit } from '../host-process.js';
import { RuntimeError } from '../vm-runtime.js';
import { type TartNetwork, tartRunArgs } from './tart-args.js';

/**
 * The read-only `--dir` share that carries the workspace into the guest: `name` is its tag, and
 * `workspaceEnvFile` holds the guest's settings as `KEY=value` lines (guest-settings.ts). tart has no way to
 * pass environment to a guest; `tart exec` needs the Tart Guest Agent, macOS 14 and a booted guest,
 * while a share is there from the first instruction of boot. The guest mounts the default tag,
 * `mount -t virtiofs com.apple.virtio-fs.automount /mnt/shared`, and reads
 * `/mnt/shared/rockpool/workspace.env` (a named share is a subdirectory of the mount).
 * `gateSecretFile` is the gate's secret, new for every `tart run`; the guest's gate reads it as
 * `/mnt/shared/rockpool/gate-secret`. The share and the state directory are 0700, the file 0600.
 */
export const TART_SHARE = {
  name: 'rockpool',
  workspaceEnvFile: 'workspace.env',
  gateSecretFile: 'gate-secret',
} as const;

/** Per workspace `<stateDir>/<workspace>/`: `tart.log`, `tart-run.pid` and `share/` (seen by the guest). */
export interface TartRunFiles {
  dir: string;
  log: string;
  pidFile: string;
  share: string;
}

/** A `tart run` this runtime launched (or found still running). */
export interface LaunchedRun {
  pid: number;
  exited(): boolean;
}

export interface TartRunsOptions {
  tartBinary: string;
  /** Extra environment for tart, over this process's. */
  env: NodeJS.ProcessEnv;
  stateDir: string;
  network: TartNetwork;
  /** The tart VM of a workspace (its name carries the instance id). */
  vmName(workspace: string): string;
}

/**
 * The `tart run` process of each workspace's VM. tart has no detach mode, so the VM lives as long as
 * that process: it is launched detached, found again through its pid file (by a later worker too),
 * and its output is kept as the VM's log.
 */
export class TartRuns {
  constructor(private readonly options: TartRunsOptions) {}

  files(workspace: string): TartRunFiles {
    const dir = join(this.options.stateDir, workspace);
    return { dir, log: join(dir, 'tart.log'), pidFile: join(dir, 'tart-run.pid'), share: join(dir, 'share') };
  }

  /**
   * Runs `tart run` detached (its own session, so a worker restart or a signal to the worker's
   * process group leaves the VM alone), output appended to the log, pid in the pid file. A
   * `tart run` of ours that is still alive (starting, or a retry racing it) is reused, not doubled.
   */
  async launch(workspace: string): Promise<LaunchedRun> {
    const running = await this.pid(workspace);
    if (running) return { pid: running, exited: () => !isAlive(running) };
    const files = this.files(workspace);
    await mkdir(files.share, { recursive: true, mode: 0o700 });
    await chmod(files.dir, 0o700);
    await writeGateSecret(join(files.share, TART_SHARE.gateSecretFile), newGateSecret());
    await writeFile(
      join(files.share, TART_SHARE.workspaceEnvFile),
      guestSettingsFile(guestSettings(workspace)),
      { mode: 0o644 },
    );
    const args = tartRunArgs(this.options.vmName(workspace), {
      shares: [{ name: TART_SHARE.name, path: files.share, readOnly: true }],
      network: this.options.network,
    });
    const { tartBinary } = this.options;
    const log = await open(files.log, 'a', 0o600);
    try {
      await log.write(`--- ${new Date().toISOString()} ${tartBinary} ${args.join(' ')}\n`);
      // execa documents "a file descriptor integer" for stdout/stderr and hands it to spawn() as
      // is, so `tart run` writes the log itself and nothing passes through this process (which may
      // go away); execa's types only admit the literals 3-9.
      const logFd = log.fd as 3;
      const child = execa(tartBinary, args, {
        detached: true,
        cleanup: false,
        reject: false,
        stdin: 'ignore',
        stdout: logFd,
        stderr: logFd,
        cwd: files.dir,
        env: this.options.env,
      });
      let exited = false;
      // Settles only while this process lives; the VM does not depend on it.
      void child.then(() => {
        exited = true;
      });
      child.unref();
      if (child.pid === undefined) {
        const result = await child;
        throw new RuntimeError('runtime_unavailable', `cannot run ${tartBinary}: ${result.message}`, {
          cause: result,
        });
      }
      await writeFile(files.pidFile, `${child.pid}\n`);
      return { pid: child.pid, exited: () => exited || !isAlive(child.pid as number) };
    } finally {
      await log.close();
    }
  }

  /**
   * The pid of our `tart run` of this workspace's VM, if it is alive. The command line is checked
   * so that a pid reused after a crash is never taken for it (and never signalled).
   */
  async pid(workspace: string): Promise<number | undefined> {
    const text = await readFile(this.files(workspace).pidFile, 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      },
    );
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    const ps = await execa('ps', ['-o', 'command=', '-p', String(pid)], { reject: false, stdin: 'ignore' });
    const runsThisVm = new RegExp(`(^|\\s)run\\s+${this.options.vmName(workspace)}(\\s|$)`);
    return ps.exitCode === 0 && runsThisVm.test(ps.stdout) ? pid : undefined;
  }

  /**
   * Asks the guest to shut down: SIGUSR2 to `tart run`, which calls `requestStop()` (Run.swift), the
   * power button; the guest's systemd flushes its disks and powers off, and `tart run` exits. True
   * if it exited within `timeoutMs`. Only once tart holds the VM's lock (state "running"): before
   * that tart has no SIGUSR2 handler, and the signal's default action kills it.
   */
  async requestGuestStop(pid: number, timeoutMs: number): Promise<boolean> {
    signal(pid, 'SIGUSR2');
    return waitForExit(pid, timeoutMs);
  }

  /**
   * Ends our `tart run` of the workspace, if one is left, and forgets its pid. After a shutdown or
   * `tart stop` it is exiting; one still there never took the lock (stopped while starting) or hangs:
   * SIGINT is how tart stops it too (given `sigintWaitMs`), then SIGKILL. Between steps the pid is
   * checked again: an exited process that its new parent has not reaped yet still answers kill(pid, 0).
   */
  async end(workspace: string, sigintWaitMs: number): Promise<void> {
    const pid = await this.pid(workspace);
    if (pid) await this.#signalUntilGone(workspace, pid, sigintWaitMs);
    await rm(this.files(workspace).pidFile, { force: true });
  }

  async #signalUntilGone(workspace: string, pid: number, sigintWaitMs: number): Promise<void> {
    const steps: [NodeJS.Signals | undefined, number][] = [
      [undefined, 5_000],
      ['SIGINT', sigintWaitMs],
      ['SIGKILL', 5_000],
    ];
    for (const [sig, waitMs] of steps) {
      if (sig) signal(pid, sig);
      if ((await waitForExit(pid, waitMs)) || !(await this.pid(workspace))) return;
    }
    throw new RuntimeError(
      'vm_command_failed',
      `tart run of ${this.options.vmName(workspace)} (pid ${pid}) does not exit`,
    );
  }

  /** Adds a line of Rockpool's own to the VM's log (what stop had to do, and why). */
  async note(workspace: string, text: string): Promise<void> {
    await mkdir(this.files(workspace).dir, { recursive: true, mode: 0o700 });
    await appendFile(this.files(workspace).log, `--- ${new Date().toISOString()} rockpool: ${text}\n`, {
      mode: 0o600,
    });
  }

  /** The end of the VM's log (`tart run` output): for error messages and debugging. */
  async logTail(workspace: string, lines = 20): Promise<string> {
    const text = await readFile(this.files(workspace).log, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '(no output)';
      throw error;
    });
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Removes the workspace's log, pid file and share. */
  async remove(workspace: string): Promise<void> {
    await rm(this.files(workspace).dir, { recursive: true, force: true });
  }
}
