import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ideProblem, waitForIde } from '../../jobs/ide-health.js';
import { waitForExit } from '../host-process.js';
import { RuntimeError, type VmSpec } from '../vm-runtime.js';
import { untilGuestIdle } from './guest-idle.js';
import { chooseSnapshot, type SnapshotDescription, snapshotFiles } from './guest-snapshot.js';
import { QemuRuntime, type QemuRuntimeOptions } from './qemu-runtime.js';
import { saveMemory, sha256Of } from './qemu-snapshot.js';
import { guestExec, qmp } from './qmp.js';
import { callRestoreAgent } from './restore-agent.js';

/** The snapshot guest's name: what a restored guest is called until its fix-ups rename it. */
export const SNAPSHOT_GUEST = 'rockpool-snapshot';

export interface BuildSnapshotOptions
  extends Pick<QemuRuntimeOptions, 'imageDir' | 'accel' | 'qemuBinary' | 'qemuImgBinary'> {
  /** Snapshots are cached in the image directory, one per QEMU version, accelerator, CPUs and RAM. */
  cpus: number;
  memoryMiB: number;
  /** How long the guest may take to boot until code-server answers (TCG on a busy host: minutes). */
  bootTimeoutMs: number;
  log: (line: string) => void;
}

/** The directory of the snapshot for these settings, e.g. `<image>/snapshot_qemu-7.2.22_tcg_2cpu_2048mib`. */
export async function snapshotDirFor(runtime: QemuRuntime, options: BuildSnapshotOptions): Promise<string> {
  const hardware = await runtime.snapshotHardware(options);
  const qemu = /version (\S+)/.exec(hardware.qemuVersion)?.[1] ?? 'unknown';
  return join(
    options.imageDir,
    `snapshot_qemu-${qemu}_${hardware.accel}_${hardware.cpus}cpu_${hardware.memoryMiB}mib`,
  );
}

/**
 * The guest snapshot for these settings, built unless a whole one that fits is cached: boots a guest
 * from the image exactly as workspaces boot (the runtime's own launch), waits until code-server
 * answers through the gate, loads the IDE's page once (so its files are in the page cache), takes
 * the gate's secret away again (the snapshot must carry no secret), then saves the memory and keeps
 * the overlay disk of that moment beside it. Returns the snapshot's directory.
 */
export async function buildSnapshot(options: BuildSnapshotOptions): Promise<string> {
  const stateDir = await mkdirTemp();
  const runtime = new QemuRuntime({ ...options, stateDir });
  const out = await snapshotDirFor(runtime, options);
  const wanted = await runtime.snapshotHardware(options);
  const cached = await chooseSnapshot(out, wanted);
  if ('snapshot' in cached) {
    await rm(stateDir, { recursive: true, force: true });
    options.log(`cached: ${out}`);
    return out;
  }
  const spec: VmSpec = { workspace: SNAPSHOT_GUEST, cpus: options.cpus, memoryMiB: options.memoryMiB };
  const paths = runtime.paths(spec.workspace);
  let pid: number | undefined;
  try {
    options.log(
      `booting a guest (${wanted.cpus} CPUs, ${wanted.memoryMiB} MiB, ${wanted.accel}, ${wanted.qemuVersion})`,
    );
    const started = Date.now();
    const info = await runtime.start(spec);
    pid = info.pid;
    if (!info.gate) throw new RuntimeError('vm_start_failed', 'the snapshot guest runs without a gate');
    const gate = info.gate;
    await waitForIde(gate, { timeoutMs: options.bootTimeoutMs, stillWanted: () => true });
    options.log(
      `code-server answered after ${Math.round((Date.now() - started) / 1000)} s; loading the IDE page once`,
    );
    await fetchIdePage(gate.address, gate.secret);
    await guestExec(paths.qgaSocket, ['/bin/rm', '-f', '/run/rockpool/gate-secret'], { timeoutMs: 30_000 });
    while (!(await ideProblem(gate, 3_000))?.includes('503')) await sleep(200);
    // Every restore needs the restore agent: it must be waiting in the saved guest.
    await untilRestoreAgentAnswers(paths.restoreSocket, options.bootTimeoutMs);
    const settled = await untilGuestIdle(paths.qgaSocket);
    const busy = `${Math.round(settled.busy * 100)} % busy`;
    options.log(
      settled.idle
        ? `the guest settled after ${Math.round(settled.waitedMs / 1000)} s (${busy})`
        : `the guest is still ${busy} after a minute; saving it as it is`,
    );
    const kernelCommandLine = await commandLineOf(pid as number);
    options.log('saving memory and device state');
    const meta = await saveMemory({
      qmpSocket: paths.qmpSocket,
      qgaSocket: paths.qgaSocket,
      files: paths.memory,
      timeoutMs: 300_000,
      now: Date.now,
    });
    await qmp(paths.qmpSocket, 'quit');
    await waitForExit(pid as number, 10_000);
    pid = undefined;
    const files = snapshotFiles(`${out}.partial`);
    await rm(files.dir, { recursive: true, force: true });
    await mkdir(files.dir, { mode: 0o700 });
    await move(paths.memory.state, files.memory);
    await move(paths.disk, files.disk);
    await Promise.all([files.memory, files.disk].map((file) => chmod(file, 0o400)));
    const description: SnapshotDescription = {
      ...wanted,
      kernelCommandLine,
      memoryBytes: meta.bytes,
      memorySha256: await sha256Of(files.memory),
      createdAt: new Date().toISOString(),
      saveMs: meta.saveMs,
    };
    await writeFile(files.description, `${JSON.stringify(description, null, 2)}\n`, { mode: 0o600 });
    await rm(out, { recursive: true, force: true });
    await rename(files.dir, out);
    options.log(`saved in ${meta.saveMs} ms: ${Math.round(meta.bytes / 1024 ** 2)} MiB of memory in ${out}`);
    return out;
  } catch (error) {
    options.log(`failed; the guest console ended with:\n${await runtime.consoleTail(spec.workspace)}`);
    throw error;
  } finally {
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The snapshot VM's state directory: short, as unix socket paths must be (< 108 bytes). */
function mkdirTemp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rockpool-snapshot-'));
}

/** rename, or copy and remove across file systems (the VM's state is under /tmp). */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from);
  }
}

/** The `-append` argument QEMU process `pid` runs with: a restore must pass the same one. */
async function commandLineOf(pid: number): Promise<string> {
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  const value = args[args.indexOf('-append') + 1];
  if (!value) throw new Error(`QEMU ${pid} has no -append argument`);
  return value;
}

/** Pings the guest's restore agent until it answers (it starts early in boot, beside the guest agent). */
async function untilRestoreAgentAnswers(socket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await callRestoreAgent(socket, () => ({ kind: 'ping' }), { timeoutMs: 5_000, now: Date.now });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** GET the IDE's page through the gate (following code-server's redirect), as a first visitor would. */
async function fetchIdePage(address: string, secret: string): Promise<void> {
  const response = await fetch(`http://${address}/`, { headers: { 'X-Rockpool-Gate': secret } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`the IDE page answered ${response.status} through the gate`);
}
