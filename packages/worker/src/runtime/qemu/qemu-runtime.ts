import { chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertWorkspaceName } from '@rockpool/model';
import { newGateSecret, writeGateSecret } from '../gate-secret.js';
import { directoryBytes, exists } from '../host-files.js';
import { runCommand } from '../host-process.js';
import { freeLoopbackPort } from '../loopback-port.js';
import { RuntimeError, type VmInfo, type VmRuntime, type VmSpec } from '../vm-runtime.js';
import { detectAccelerator, hostTscKhz } from './accel.js';
import { qemuVersion, type SnapshotHardware, wantedHardware } from './guest-snapshot.js';
import { type Isolation, VM_USER, vmUserIds } from './network-guard.js';
import { type Accelerator, type GuestImage, overlayArgs, qemuArgs } from './qemu-args.js';
import {
  createDisk,
  firstStart,
  type Restore,
  verifySnapshot,
  withRestoreFds,
} from './qemu-from-snapshot.js';
import { installGateSecret } from './qemu-gate.js';
import { type QemuVmPaths, qemuVmPaths, readGate } from './qemu-paths.js';
import { endQemu, livePid } from './qemu-process.js';
import { resumeOrBoot, settleRunning } from './qemu-resume.js';
import { discardMemory, saveMemory } from './qemu-snapshot.js';
import { type ExecResult, guestExec } from './qmp.js';

export interface QemuRuntimeOptions {
  /** The guest image directory from scripts/build-guest-image.sh (vmlinuz, initrd.gz, rootfs.img). */
  imageDir: string;
  /** One directory per VM: overlay disk, sockets, pid file, console log. */
  stateDir: string;
  /** The guest snapshot new VMs are restored from when it fits (scripts/build-guest-snapshot.sh). */
  snapshotDir?: string;
  qemuBinary?: string;
  qemuImgBinary?: string;
  /** 'auto' probes KVM once and falls back to TCG. */
  accel?: Accelerator | 'auto';
  /** Set when the host firewall isolates guests; QEMU then drops to that user. */
  isolation?: Isolation;
  /** A free loopback port; injected for tests. */
  freePort?: () => Promise<number>;
  /** How long saving a VM's memory may take before suspend gives up (the VM then runs on). */
  suspendTimeoutMs?: number;
  /** How long loading saved memory may take before resume falls back to a cold boot. */
  resumeTimeoutMs?: number;
  now?: () => number;
  /**
   * How long `start` may wait for the guest agent to install the gate's secret: the agent starts
   * early in boot, seconds under KVM, longer under TCG on a busy host. Default 180 s.
   */
  gateSecretTimeoutMs?: number;
}

/** One QEMU microvm per workspace, from a copy-on-write overlay of the base image. */
export class QemuRuntime implements VmRuntime {
  readonly kind = 'qemu' as const;
  readonly suspendKeepsMemory = true;
  readonly #options: Required<Omit<QemuRuntimeOptions, 'isolation' | 'snapshotDir'>> &
    Pick<QemuRuntimeOptions, 'snapshotDir'> & { isolation: Isolation };
  #accel: Promise<{ accel: Accelerator; reason: string }> | undefined;
  #qemuVersion: Promise<string> | undefined;
  /** The guest snapshot's memory, once its SHA-256 matched: later creates do not hash it again. */
  readonly #verifiedSnapshots = new Set<string>();

  constructor(options: QemuRuntimeOptions) {
    this.#options = {
      qemuBinary: 'qemu-system-x86_64',
      qemuImgBinary: 'qemu-img',
      accel: 'auto',
      isolation: { enforced: false, reason: 'not configured' },
      freePort: freeLoopbackPort,
      suspendTimeoutMs: 120_000,
      resumeTimeoutMs: 60_000,
      now: Date.now,
      gateSecretTimeoutMs: 180_000,
      ...options,
    };
  }

  get image(): GuestImage {
    const dir = this.#options.imageDir;
    return { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.gz'), rootfs: join(dir, 'rootfs.img') };
  }

  /** Checks the guest snapshot ahead of the first create (verifySnapshot); undefined without one. */
  verifySnapshot(): Promise<string | undefined> {
    const dir = this.#options.snapshotDir;
    return dir ? verifySnapshot(dir, this.#verifiedSnapshots) : Promise.resolve(undefined);
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
  paths(workspace: string): QemuVmPaths {
    return qemuVmPaths(this.#options.stateDir, workspace);
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
    const dir = this.#options.snapshotDir;
    await createDisk(
      { paths, overlay: (file) => this.#overlay(file) },
      dir ? { dir, wanted: await this.snapshotHardware(spec) } : undefined,
    );
  }

  /** What a guest snapshot must have been made with for `spec` on this host. */
  async snapshotHardware(spec: Pick<VmSpec, 'cpus' | 'memoryMiB'>): Promise<SnapshotHardware> {
    this.#qemuVersion ??= qemuVersion(this.#options.qemuBinary);
    const host = { qemuVersion: await this.#qemuVersion, imageDir: this.#options.imageDir };
    return wantedHardware(spec, { ...host, accel: (await this.accelerator()).accel });
  }

  #overlay(file: string): Promise<void> {
    return runCommand(this.#options.qemuImgBinary, overlayArgs(this.image.rootfs, file), 'creating the disk');
  }

  async start(spec: VmSpec): Promise<VmInfo> {
    assertWorkspaceName(spec.workspace);
    const paths = this.paths(spec.workspace);
    const deps = {
      spec,
      paths,
      launch: (memory?: string) => this.#launch(spec, memory ? { memory } : {}),
      overlay: (file: string) => this.#overlay(file),
      inspect: () => this.inspect(spec.workspace),
      timeoutMs: this.#options.resumeTimeoutMs,
      now: this.#options.now,
    };
    const birthDeps = {
      ...deps,
      launch: (restore?: Restore) => this.#launch(spec, restore ?? {}),
      verifiedSnapshots: this.#verifiedSnapshots,
    };
    const current = await this.inspect(spec.workspace);
    let info: VmInfo;
    if (current.state === 'running')
      info =
        (await firstStart(birthDeps, current)) ??
        (await settleRunning(deps, current)) ??
        (await resumeOrBoot(deps));
    else {
      if (current.state === 'absent') await this.create(spec);
      info = (await firstStart(birthDeps)) ?? (await resumeOrBoot(deps));
    }
    if (!info.gate)
      throw new RuntimeError(
        'vm_start_failed',
        `the VM of ${spec.workspace} runs without a gate (started by an older Rockpool); stop it and start it again`,
      );
    // /run is a tmpfs in the guest: the secret is installed on every boot, and a running guest gets
    // its own again, in case a worker died between booting the VM and installing it. The fix-ups
    // of a guest restored from the snapshot or resumed from its own memory installed it already.
    if (info.boot?.kind !== 'snapshot' && info.boot?.kind !== 'resumed')
      await installGateSecret({
        workspace: spec.workspace,
        qgaSocket: paths.qgaSocket,
        secret: info.gate.secret,
        timeoutMs: this.#options.gateSecretTimeoutMs,
        running: async () => (await this.#livePid(spec.workspace)) !== undefined,
        consoleTail: () => this.consoleTail(spec.workspace),
      });
    return info;
  }

  /** Starts QEMU (to boot, or to restore saved memory from `restore.memory`). */
  async #launch(spec: VmSpec, restore: Partial<Restore>): Promise<VmInfo> {
    const paths = this.paths(spec.workspace);
    await Promise.all(
      [paths.pidFile, paths.qmpSocket, paths.qgaSocket, paths.restoreSocket].map((f) =>
        rm(f, { force: true }),
      ),
    );
    // A new secret every launch (a resume too): one that leaked earlier dies with the VM that used it.
    await writeGateSecret(paths.gateSecret, newGateSecret());
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
      ...(restore.kernelCommandLine ? { kernelCommandLine: restore.kernelCommandLine } : {}),
      ...(restore.memory ? { restoring: true as const } : {}),
    });
    // -daemonize: QEMU detaches once set up, so VMs outlive a worker restart.
    await withRestoreFds(paths.disk, restore.memory, (fds) =>
      runCommand(this.#options.qemuBinary, args, `starting the VM of ${spec.workspace}`, fds),
    );
    const info = await this.inspect(spec.workspace);
    if (info.state !== 'running')
      throw new RuntimeError(
        'vm_start_failed',
        // A restoring QEMU may reject the file before it detaches, with nothing on its console.
        restore.memory
          ? `QEMU exited while loading ${restore.memory} (a damaged or truncated file?)`
          : `QEMU exited right after start: ${await this.consoleTail(spec.workspace)}`,
      );
    return info;
  }

  async inspect(workspace: string): Promise<VmInfo> {
    assertWorkspaceName(workspace);
    const paths = this.paths(workspace);
    const pid = await this.#livePid(workspace);
    if (pid !== undefined) {
      const gate = await readGate(paths);
      return { workspace, state: 'running', pid, ...(gate ? { gate } : {}) };
    }
    if (await exists(paths.memory.meta)) return { workspace, state: 'suspended' };
    return { workspace, state: (await exists(paths.disk)) ? 'stopped' : 'absent' };
  }

  async stop(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    const paths = this.paths(workspace);
    const pid = await this.#livePid(workspace);
    if (pid !== undefined) {
      // Flush the guest's page cache so the overlay is consistent, then end QEMU.
      await guestExec(paths.qgaSocket, ['/bin/sync'], { timeoutMs: 15_000 }).catch(() => undefined);
      await endQemu(paths, pid);
    }
    // A full shutdown: saved memory of a suspended VM is thrown away, the next start boots afresh.
    await discardMemory(paths.memory);
  }

  async suspend(workspace: string): Promise<void> {
    assertWorkspaceName(workspace);
    const paths = this.paths(workspace);
    const pid = await this.#livePid(workspace);
    if (pid === undefined) return;
    const isolation = this.#options.isolation;
    await saveMemory({
      timeoutMs: this.#options.suspendTimeoutMs,
      now: this.#options.now,
      qmpSocket: paths.qmpSocket,
      qgaSocket: paths.qgaSocket,
      files: paths.memory,
      ...(isolation.enforced ? { vmUser: await vmUserIds() } : {}),
    });
    await endQemu(paths, pid);
  }

  async diskUsage(workspace: string): Promise<number | undefined> {
    assertWorkspaceName(workspace);
    return directoryBytes(this.paths(workspace).dir);
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

  async consoleTail(workspace: string, lines = 20): Promise<string> {
    const text = await readFile(this.paths(workspace).consoleLog, 'utf8').catch(() => '(no console output)');
    return text.split('\n').slice(-lines).join('\n');
  }

  #livePid(workspace: string): Promise<number | undefined> {
    return livePid(this.paths(workspace), workspace);
  }
}
