import { chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertWorkspaceName } from '@rockpool/model';
import { execa } from 'execa';
import { newGateSecret, readGateSecret, writeGateSecret } from '../gate-secret.js';
import { waitForExit } from '../host-process.js';
import { freeLoopbackPort } from '../loopback-port.js';
import { type GateEndpoint, RuntimeError, type VmInfo, type VmRuntime, type VmSpec } from '../vm-runtime.js';
import { detectAccelerator, hostTscKhz } from './accel.js';
import { type Isolation, VM_USER } from './network-guard.js';
import {
  type Accelerator,
  type GuestImage,
  overlayArgs,
  qemuArgs,
  type VmPaths,
  vmProcessName,
} from './qemu-args.js';
import { type ExecResult, guestExec, guestPing, qmp } from './qmp.js';

/** Installs the gate's secret in the guest from its stdin (scripts/guest/rockpool-gate-secret). */
export const GATE_SECRET_COMMAND = '/usr/local/sbin/rockpool-gate-secret';

export interface QemuRuntimeOptions {
  /** The guest image directory from scripts/build-guest-image.sh (vmlinuz, initrd.gz, rootfs.img). */
  imageDir: string;
  /** One directory per VM: overlay disk, sockets, pid file, console log. */
  stateDir: string;
  qemuBinary?: string;
  qemuImgBinary?: string;
  /** 'auto' probes KVM once and falls back to TCG. */
  accel?: Accelerator | 'auto';
  /** Set when the host firewall isolates guests; QEMU then drops to that user. */
  isolation?: Isolation;
  /** A free loopback port; injected for tests. */
  freePort?: () => Promise<number>;
  /**
   * How long `start` may wait for the guest agent to install the gate's secret: the agent starts
   * early in boot, seconds under KVM, longer under TCG on a busy host. Default 180 s.
   */
  gateSecretTimeoutMs?: number;
}

/** One QEMU microvm per workspace, from a copy-on-write overlay of the base image. */
export class QemuRuntime implements VmRuntime {
  readonly kind = 'qemu' as const;
  readonly #options: Required<Omit<QemuRuntimeOptions, 'isolation'>> & { isolation: Isolation };
  #accel: Promise<{ accel: Accelerator; reason: string }> | undefined;

  constructor(options: QemuRuntimeOptions) {
    this.#options = {
      qemuBinary: 'qemu-system-x86_64',
      qemuImgBinary: 'qemu-img',
      accel: 'auto',
      isolation: { enforced: false, reason: 'not configured' },
      freePort: freeLoopbackPort,
      gateSecretTimeoutMs: 180_000,
      ...options,
    };
  }

  get image(): GuestImage {
    const dir = this.#options.imageDir;
    return { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.gz'), rootfs: join(dir, 'rootfs.img') };
  }

  /** The accelerator VMs use (probed once). */
  accelerator(): Promise<{ accel: Accelerator; reason: string }> {
    const configured = this.#options.accel;
    this.#accel ??=
      configured === 'auto'
        ? detectAccelerator({ qemuBinary: this.#options.qemuBinary, kernel: this.image.kernel })
        : Promise.resolve({ accel: configured, reason: 'configured' });
    return this.#accel;
  }

  /** The VM's state directory (0700) and its files; `gatePort` and `gateSecret` exist while it runs. */
  paths(workspace: string): VmPaths & { dir: string; gatePort: string; gateSecret: string } {
    const dir = join(this.#options.stateDir, workspace);
    return {
      dir,
      disk: join(dir, 'disk.qcow2'),
      pidFile: join(dir, 'qemu.pid'),
      qmpSocket: join(dir, 'qmp.sock'),
      qgaSocket: join(dir, 'qga.sock'),
      consoleLog: join(dir, 'console.log'),
      gatePort: join(dir, 'gate-port'),
      gateSecret: join(dir, 'gate-secret'),
    };
  }

  async create(spec: VmSpec): Promise<void> {
    assertWorkspaceName(spec.workspace);
    const paths = this.paths(spec.workspace);
    if (await exists(paths.disk)) return;
    if (!(await exists(this.image.rootfs)))
      throw new RuntimeError(
        'image_missing',
        `guest image not found in ${this.#options.imageDir}; run scripts/build-guest-image.sh`,
      );
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    // Create under a temporary name so a crash never leaves a half-made disk that looks real.
    const partial = `${paths.disk}.partial`;
    await rm(partial, { force: true });
    await this.#run(
      this.#options.qemuImgBinary,
      overlayArgs(this.image.rootfs, partial),
      'creating the disk',
    );
    await execa('mv', [partial, paths.disk]);
  }

  async start(spec: VmSpec): Promise<VmInfo> {
    assertWorkspaceName(spec.workspace);
    const current = await this.inspect(spec.workspace);
    if (current.state === 'running') {
      if (!current.gate)
        throw new RuntimeError(
          'vm_start_failed',
          `the VM of ${spec.workspace} runs without a gate (started by an older Rockpool); stop it and start it again`,
        );
      // Again, in case a worker died between booting the VM and installing the secret.
      await this.#installGateSecret(spec.workspace, current.gate.secret);
      return current;
    }
    if (current.state === 'absent') await this.create(spec);
    const paths = this.paths(spec.workspace);
    await Promise.all([paths.pidFile, paths.qmpSocket, paths.qgaSocket].map((f) => rm(f, { force: true })));
    // A new secret every boot: one that leaked earlier dies with the VM that used it.
    const secret = newGateSecret();
    await writeGateSecret(paths.gateSecret, secret);
    const gatePort = await this.#options.freePort();
    await writeFile(paths.gatePort, `${gatePort}\n`);
    const isolation = this.#options.isolation;
    if (isolation.enforced) await chown(paths.disk, ...(await vmUserIds()));
    const { accel } = await this.accelerator();
    const args = qemuArgs({
      spec,
      image: this.image,
      paths,
      accel,
      gateHostPort: gatePort,
      tscKhz: await hostTscKhz(() => readFile('/proc/cpuinfo', 'utf8')),
      ...(isolation.enforced ? { runAs: VM_USER } : {}),
    });
    // -daemonize: QEMU detaches once set up, so VMs outlive a worker restart.
    await this.#run(this.#options.qemuBinary, args, `starting the VM of ${spec.workspace}`);
    const info = await this.inspect(spec.workspace);
    if (info.state !== 'running')
      throw new RuntimeError(
        'vm_start_failed',
        `QEMU exited right after start: ${await this.consoleTail(spec.workspace)}`,
      );
    // /run is a tmpfs in the guest: the secret is installed on every boot, before any route uses it.
    await this.#installGateSecret(spec.workspace, secret);
    return info;
  }

  async inspect(workspace: string): Promise<VmInfo> {
    assertWorkspaceName(workspace);
    const paths = this.paths(workspace);
    const pid = await this.#livePid(workspace);
    if (pid !== undefined) {
      const gate = await this.#gate(workspace);
      return { workspace, state: 'running', pid, ...(gate ? { gate } : {}) };
    }
    return { workspace, state: (await exists(paths.disk)) ? 'stopped' : 'absent' };
  }

  async stop(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    const paths = this.paths(workspace);
    const pid = await this.#livePid(workspace);
    if (pid === undefined) return;
    // Flush the guest's page cache so the overlay is consistent, then end QEMU.
    await guestExec(paths.qgaSocket, ['/bin/sync'], { timeoutMs: 15_000 }).catch(() => undefined);
    await qmp(paths.qmpSocket, 'quit').catch(() => undefined);
    if (!(await waitForExit(pid, 10_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
    await Promise.all(
      [paths.pidFile, paths.qmpSocket, paths.qgaSocket, paths.gatePort, paths.gateSecret].map((f) =>
        rm(f, { force: true }),
      ),
    );
  }

  async delete(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    await this.stop(workspace);
    await rm(this.paths(workspace).dir, { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.#options.stateDir, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  }

  /** Runs a command inside the guest through the guest agent (tests, diagnostics). */
  exec(workspace: string, argv: string[], timeoutMs?: number): Promise<ExecResult> {
    assertWorkspaceName(workspace);
    return guestExec(this.paths(workspace).qgaSocket, argv, timeoutMs === undefined ? {} : { timeoutMs });
  }

  /** The gate of a running VM, from its state directory. */
  async #gate(workspace: string): Promise<GateEndpoint | undefined> {
    const paths = this.paths(workspace);
    const port = Number((await readFile(paths.gatePort, 'utf8').catch(() => '')).trim());
    const secret = await readGateSecret(paths.gateSecret);
    return port > 0 && secret ? { address: `127.0.0.1:${port}`, secret } : undefined;
  }

  /**
   * Hands the gate its secret through the guest agent, as the stdin of rockpool-gate-secret (never
   * as an argument), retrying until the agent runs and the command succeeds. Until then the gate
   * answers 503 to everything.
   */
  async #installGateSecret(workspace: string, secret: string): Promise<void> {
    const { qgaSocket } = this.paths(workspace);
    const timeoutMs = this.#options.gateSecretTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let problem = 'the guest agent did not answer';
    for (;;) {
      if (await guestPing(qgaSocket)) {
        const result = await guestExec(qgaSocket, [GATE_SECRET_COMMAND], {
          input: secret,
          timeoutMs: 30_000,
        }).catch((error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message }));
        if (result.exitCode === 0) return;
        problem = `${GATE_SECRET_COMMAND} exited ${result.exitCode}: ${result.stderr.trim()}`;
      }
      if ((await this.#livePid(workspace)) === undefined)
        throw new RuntimeError(
          'vm_start_failed',
          `QEMU exited before the gate's secret was installed: ${await this.consoleTail(workspace)}`,
        );
      if (Date.now() > deadline)
        throw new RuntimeError(
          'vm_start_failed',
          `could not install the gate's secret in ${workspace} within ${Math.round(timeoutMs / 1000)} s (${problem}); is the guest image older than the gate? Rebuild it with scripts/build-guest-image.sh`,
        );
      await sleep(1_000);
    }
  }

  async consoleTail(workspace: string, lines = 20): Promise<string> {
    const text = await readFile(this.paths(workspace).consoleLog, 'utf8').catch(() => '(no console output)');
    return text.split('\n').slice(-lines).join('\n');
  }

  /** The PID from the pid file, if that process is alive and is this workspace's QEMU. */
  async #livePid(workspace: string): Promise<number | undefined> {
    const raw = await readFile(this.paths(workspace).pidFile, 'utf8').catch(() => undefined);
    const pid = Number(raw?.trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return cmdline.includes(vmProcessName(workspace)) ? pid : undefined;
  }

  async #run(binary: string, args: string[], what: string): Promise<void> {
    const result = await execa(binary, args, { reject: false, stdin: 'ignore' });
    if (result.exitCode !== 0)
      throw new RuntimeError(
        'vm_command_failed',
        `${what} failed (${binary} exited ${result.exitCode}): ${`${result.stderr}`.trim() || `${result.stdout}`.trim()}`,
      );
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function vmUserIds(): Promise<[number, number]> {
  const uid = Number((await execa('id', ['-u', VM_USER])).stdout);
  const gid = Number((await execa('id', ['-g', VM_USER])).stdout);
  return [uid, gid];
}
