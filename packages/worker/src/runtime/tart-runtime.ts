import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPort, assertWorkspaceName } from '@rockpool/caddy';
import { execa } from 'execa';
import { waitForExit } from './process-exit.js';
import {
  TART_VM_PREFIX,
  type TartListEntry,
  type TartVmInfo,
  tartCloneArgs,
  tartDeleteArgs,
  tartGetArgs,
  tartIpArgs,
  tartListArgs,
  tartRunArgs,
  tartSetArgs,
  tartStopArgs,
  tartVmName,
} from './tart-args.js';
import { RuntimeError, type VmInfo, type VmRuntime, type VmSpec } from './vm-runtime.js';

export interface TartRuntimeOptions {
  /** A local tart VM provisioned like the Linux guest (scripts/guest/README.md), cloned per workspace. */
  baseImage: string;
  /** Per workspace: the `tart run` log, its pid file, and the directory shared with the guest. */
  stateDir: string;
  tartBinary?: string;
  /** Extra environment for tart (e.g. TART_HOME). */
  env?: NodeJS.ProcessEnv;
  /** code-server's port inside the guest. */
  guestIdePort?: number;
  /** How long `start` waits for the guest's IP address. */
  ipWaitSeconds?: number;
}

/** Name of the virtiofs share that carries `workspace.env` into the guest. */
export const TART_SHARE_NAME = 'rockpool';

/** One tart VM per workspace (macOS). Guests are reachable at their own IP, so ports need no forwarding. */
export class TartRuntime implements VmRuntime {
  readonly kind = 'tart' as const;
  readonly #options: Required<TartRuntimeOptions>;

  constructor(options: TartRuntimeOptions) {
    this.#options = { tartBinary: 'tart', env: {}, guestIdePort: 8080, ipWaitSeconds: 120, ...options };
  }

  paths(workspace: string) {
    const dir = join(this.#options.stateDir, workspace);
    return { dir, log: join(dir, 'tart.log'), pidFile: join(dir, 'tart-run.pid'), share: join(dir, 'share') };
  }

  async create(spec: VmSpec): Promise<void> {
    assertWorkspaceName(spec.workspace);
    const vm = tartVmName(spec.workspace);
    if (await this.#get(vm)) return;
    await this.#tart(tartCloneArgs(this.#options.baseImage, vm), `cloning ${this.#options.baseImage}`);
    await this.#tart(tartSetArgs(vm, spec.cpus, spec.memoryMiB), `sizing ${vm}`);
  }

  async start(spec: VmSpec): Promise<VmInfo> {
    assertWorkspaceName(spec.workspace);
    const vm = tartVmName(spec.workspace);
    const current = await this.#get(vm);
    if (current?.State === 'running') return this.inspect(spec.workspace);
    if (!current) await this.create(spec);
    const paths = this.paths(spec.workspace);
    await mkdir(paths.share, { recursive: true, mode: 0o755 });
    await writeFile(join(paths.share, 'workspace.env'), `ROCKPOOL_WORKSPACE_NAME=${spec.workspace}\n`);
    const log = await open(paths.log, 'a', 0o600);
    try {
      // Detached, so the VM outlives a worker restart; its output is the VM's log.
      const child = spawn(
        this.#options.tartBinary,
        tartRunArgs(vm, { name: TART_SHARE_NAME, path: paths.share }),
        {
          detached: true,
          stdio: ['ignore', log.fd, log.fd],
          env: { ...process.env, ...this.#options.env },
        },
      );
      child.unref();
      await writeFile(paths.pidFile, String(child.pid));
    } finally {
      await log.close();
    }
    const deadline = Date.now() + 15_000;
    while ((await this.#get(vm))?.State !== 'running') {
      if (Date.now() > deadline)
        throw new RuntimeError(
          'vm_start_failed',
          `tart run ${vm} did not start: ${await this.logTail(spec.workspace)}`,
        );
      await sleep(200);
    }
    const ip = await this.#ip(vm, this.#options.ipWaitSeconds);
    if (!ip)
      throw new RuntimeError(
        'vm_start_failed',
        `${vm} runs but got no IP address within ${this.#options.ipWaitSeconds} s`,
      );
    return {
      workspace: spec.workspace,
      state: 'running',
      ide: `${ip}:${this.#options.guestIdePort}`,
      ...(await this.#pid(spec.workspace)),
    };
  }

  async inspect(workspace: string): Promise<VmInfo> {
    assertWorkspaceName(workspace);
    const vm = tartVmName(workspace);
    const info = await this.#get(vm);
    if (!info) return { workspace, state: 'absent' };
    if (info.State !== 'running') return { workspace, state: 'stopped' };
    const ip = await this.#ip(vm, 0);
    return {
      workspace,
      state: 'running',
      ...(ip ? { ide: `${ip}:${this.#options.guestIdePort}` } : {}),
      ...(await this.#pid(workspace)),
    };
  }

  async exposePort(workspace: string, port: number): Promise<string> {
    assertWorkspaceName(workspace);
    assertPort(port);
    const ip = await this.#ip(tartVmName(workspace), 0);
    if (!ip)
      throw new RuntimeError(
        'vm_not_found',
        `workspace ${workspace} has no running VM to reach port ${port} on`,
      );
    return `${ip}:${port}`;
  }

  async unexposePort(workspace: string, port: number): Promise<void> {
    assertWorkspaceName(workspace);
    assertPort(port);
    // Nothing to undo: the guest's own address is used directly.
  }

  async stop(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    const vm = tartVmName(workspace);
    if ((await this.#get(vm))?.State === 'running') await this.#tart(tartStopArgs(vm), `stopping ${vm}`);
    const pid = (await this.#pid(workspace)).pid;
    if (pid) await waitForExit(pid, 10_000);
    await rm(this.paths(workspace).pidFile, { force: true });
  }

  async delete(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    await this.stop(workspace);
    const vm = tartVmName(workspace);
    if (await this.#get(vm)) await this.#tart(tartDeleteArgs(vm), `deleting ${vm}`);
    await rm(this.paths(workspace).dir, { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    const { stdout } = await this.#tart(tartListArgs(), 'listing VMs');
    const entries = JSON.parse(stdout || '[]') as TartListEntry[];
    return entries
      .filter((e) => e.Name.startsWith(TART_VM_PREFIX) && e.Name !== this.#options.baseImage)
      .map((e) => e.Name.slice(TART_VM_PREFIX.length))
      .sort();
  }

  async logTail(workspace: string, lines = 20): Promise<string> {
    const text = await readFile(this.paths(workspace).log, 'utf8').catch(() => '(no output)');
    return text.split('\n').slice(-lines).join('\n');
  }

  async #get(vm: string): Promise<TartVmInfo | undefined> {
    const result = await execa(this.#options.tartBinary, tartGetArgs(vm), {
      reject: false,
      env: this.#options.env,
    });
    if (result.exitCode !== 0) {
      if (/does not exist|not found/i.test(`${result.stderr}${result.stdout}`)) return undefined;
      throw new RuntimeError('vm_command_failed', `tart get ${vm} failed: ${`${result.stderr}`.trim()}`);
    }
    return JSON.parse(`${result.stdout}`) as TartVmInfo;
  }

  async #ip(vm: string, waitSeconds: number): Promise<string | undefined> {
    const result = await execa(this.#options.tartBinary, tartIpArgs(vm, waitSeconds), {
      reject: false,
      env: this.#options.env,
    });
    const ip = `${result.stdout}`.trim();
    return result.exitCode === 0 && /^[\d.]+$/.test(ip) ? ip : undefined;
  }

  async #pid(workspace: string): Promise<{ pid?: number }> {
    const pid = Number((await readFile(this.paths(workspace).pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return {};
    try {
      process.kill(pid, 0);
      return { pid };
    } catch {
      return {};
    }
  }

  async #tart(args: string[], what: string) {
    const result = await execa(this.#options.tartBinary, args, { reject: false, env: this.#options.env });
    if (result.exitCode !== 0)
      throw new RuntimeError(
        'vm_command_failed',
        `${what} failed (tart ${args[0]} exited ${result.exitCode}): ${`${result.stderr}`.trim() || `${result.stdout}`.trim()}`,
      );
    return { stdout: `${result.stdout}` };
  }
}
