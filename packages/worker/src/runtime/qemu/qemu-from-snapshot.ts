import { constants } from 'node:fs';
import { chmod, copyFile, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { signal, waitForExit } from '../host-process.js';
import type { BootReport, VmInfo, VmSpec } from '../vm-runtime.js';
import { applyFixups } from './guest-fixups.js';
import {
  chooseSnapshot,
  readSnapshotDescription,
  type SnapshotDescription,
  type SnapshotHardware,
  snapshotFiles,
} from './guest-snapshot.js';
import type { QemuVmPaths } from './qemu-paths.js';
import { loadMemory, verifyMemoryFile } from './qemu-snapshot.js';
import { qmp } from './qmp.js';

/**
 * Checks the guest snapshot's memory in `dir` against its SHA-256 ahead of the first create (the
 * worker does it at start, in the background), so no create pays for it beside its load: undefined
 * when it matched, else why not (each create then checks again, and boots cold on a mismatch).
 */
export async function verifySnapshot(dir: string, verified: Set<string>): Promise<string | undefined> {
  const described = await readSnapshotDescription(dir);
  if ('problem' in described) return described.problem;
  const { memory } = snapshotFiles(dir);
  return (await verifyMemoryFile(memory, described.snapshot.memorySha256, verified))
    ? undefined
    : `its memory file ${memory} does not match its SHA-256`;
}

/**
 * How a new VM comes up on its first start, written by `create` beside the disk and removed once
 * that start is done: from the guest snapshot (whose disk `create` copied), or by a cold boot, with
 * the reason the snapshot could not be used. `ran` marks a restored guest that runs again: from then
 * on its disk has moved on from the snapshot's, so the memory must never be loaded onto it again.
 */
export type Birth =
  | { path: 'snapshot'; dir: string; snapshot: SnapshotDescription; ran?: true }
  | { path: 'cold'; reason: string };

/** How QEMU restores saved memory: the state file, and the saved guest's command line. */
export type Restore = { memory: string; kernelCommandLine?: string };

export interface BirthDeps {
  spec: VmSpec;
  paths: QemuVmPaths;
  /** Starts QEMU to boot, or to restore the saved memory in `memory` with the saved guest's command line. */
  launch(restore?: Restore): Promise<VmInfo>;
  /** Writes a new copy-on-write overlay of the guest image at `file`. */
  overlay(file: string): Promise<void>;
  inspect(): Promise<VmInfo>;
  /** How long loading the snapshot's memory may take before the start boots cold instead. */
  timeoutMs: number;
  /** Snapshot memory files whose SHA-256 already matched (LoadOptions.verified). */
  verifiedSnapshots: Set<string>;
  now: () => number;
}

/**
 * Makes the new VM's disk: a copy of the snapshot's disk when `snapshotDir` holds a snapshot that
 * fits `wanted`, else an overlay of the image; records which in the birth file (none without a
 * snapshot directory: nothing to report then). Under a temporary name, so a crash never leaves a
 * half-made disk that looks real.
 */
export async function createDisk(
  deps: Pick<BirthDeps, 'paths' | 'overlay'>,
  snapshot: { dir: string; wanted: SnapshotHardware } | undefined,
): Promise<Birth | undefined> {
  const { paths } = deps;
  const partial = `${paths.disk}.partial`;
  await rm(partial, { force: true });
  const choice = snapshot && (await chooseSnapshot(snapshot.dir, snapshot.wanted));
  let birth: Birth | undefined;
  if (choice && 'snapshot' in choice) {
    await copyFile(choice.files.disk, partial, constants.COPYFILE_FICLONE);
    await chmod(partial, 0o600);
    birth = { path: 'snapshot', dir: choice.files.dir, snapshot: choice.snapshot };
  } else {
    await deps.overlay(partial);
    if (choice) birth = { path: 'cold', reason: `the guest snapshot cannot be used: ${choice.problem}` };
  }
  if (birth) await writeBirth(paths.birth, birth);
  else await rm(paths.birth, { force: true });
  await rename(partial, paths.disk);
  return birth;
}

/**
 * The first start of a VM that has a birth file: restored from the snapshot and made the
 * workspace's own, or booted cold (the snapshot did not fit, or restoring it failed: the reason is in
 * the report). Undefined when there is no birth file (not a new VM): the caller starts it as usual.
 * `running` is the VM's QEMU if one runs: a crash cut an earlier first start short, and this one
 * finishes it (fix-ups again, if the restored guest already ran) or starts over.
 */
export async function firstStart(deps: BirthDeps, running?: VmInfo): Promise<VmInfo | undefined> {
  const birth = await readBirth(deps.paths.birth);
  if (!birth) return undefined;
  if (birth.path === 'cold') {
    const info = running ?? (await deps.launch());
    await rm(deps.paths.birth, { force: true });
    return { ...info, boot: { kind: 'cold', instead: 'snapshot', reason: birth.reason } };
  }
  if (birth.ran) {
    if (running) return makeOwn(deps);
    return bootCold(deps, 'the first start from the snapshot was cut short after the guest ran');
  }
  if (running?.pid !== undefined) await kill(running.pid);
  let pid: number | undefined;
  const memory = snapshotFiles(birth.dir).memory;
  try {
    pid = (await deps.launch({ memory, kernelCommandLine: birth.snapshot.kernelCommandLine })).pid as number;
    await loadMemory({
      qmpSocket: deps.paths.qmpSocket,
      pid,
      file: memory,
      sha256: birth.snapshot.memorySha256,
      verified: deps.verifiedSnapshots,
      timeoutMs: deps.timeoutMs,
      now: deps.now,
    });
  } catch (error) {
    if (pid !== undefined) await kill(pid);
    return bootCold(deps, `restoring the guest snapshot failed: ${(error as Error).message}`);
  }
  await writeBirth(deps.paths.birth, { ...birth, ran: true });
  await qmp(deps.paths.qmpSocket, 'cont');
  return makeOwn(deps);
}

/**
 * Fix-ups on a restored guest that runs (name, machine-id, RNG, clock, the gate's secret: see
 * guest-fixups.ts, done by the guest's restore agent). The caller need not install the gate's
 * secret again.
 */
async function makeOwn(deps: BirthDeps): Promise<VmInfo> {
  const { paths, spec } = deps;
  const status = (await qmp(paths.qmpSocket, 'query-status')) as { status: string };
  if (status.status !== 'running') await qmp(paths.qmpSocket, 'cont');
  const info = await deps.inspect();
  if (!info.gate) throw new Error(`the restored VM of ${spec.workspace} has no gate secret on the host`);
  const { skewMs } = await applyFixups(paths.restoreSocket, spec.workspace, {
    gateSecret: info.gate.secret,
    now: deps.now,
  });
  const boot: BootReport = { kind: 'snapshot' };
  if (Math.abs(skewMs) > 1_000) boot.notice = `the guest clock is ${skewMs} ms off the host's`;
  await rm(paths.birth, { force: true });
  return { ...info, boot };
}

/**
 * A cold boot instead of the snapshot, on a fresh overlay of the image: the copied snapshot disk is
 * only consistent with the snapshot's memory, and nothing of the user's is on it yet.
 */
async function bootCold(deps: BirthDeps, reason: string): Promise<VmInfo> {
  const partial = `${deps.paths.disk}.partial`;
  await rm(partial, { force: true });
  await deps.overlay(partial);
  await rename(partial, deps.paths.disk);
  await rm(deps.paths.birth, { force: true });
  return { ...(await deps.launch()), boot: { kind: 'cold', instead: 'snapshot', reason } };
}

/**
 * Runs `launch` with QEMU's descriptors when it restores `memory` (RESTORE_FDS: the disk read-write
 * and read-only, the state file read-only); QEMU keeps its copies, these are closed after.
 */
export async function withRestoreFds<T>(
  disk: string,
  memory: string | undefined,
  launch: (fds: number[]) => Promise<T>,
): Promise<T> {
  const handles = memory ? await Promise.all([open(disk, 'r+'), open(disk, 'r'), open(memory, 'r')]) : [];
  try {
    return await launch(handles.map((handle) => handle.fd));
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

async function kill(pid: number): Promise<void> {
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

async function readBirth(file: string): Promise<Birth | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : (JSON.parse(text) as Birth);
}

async function writeBirth(file: string, birth: Birth): Promise<void> {
  await writeFile(`${file}.partial`, JSON.stringify(birth), { mode: 0o600 });
  await rename(`${file}.partial`, file);
}
