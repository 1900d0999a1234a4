import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import type { VmSpec } from '../vm-runtime.js';
import { type Accelerator, GUEST_KERNEL_FLAGS } from './qemu-args.js';

/**
 * A memory snapshot of a guest booted from the image with code-server ready, made once after the
 * image (scripts/build-guest-snapshot.sh). Workspaces are created from it: a copy of its disk, its
 * memory restored, then per-workspace fix-ups (qemu-from-snapshot.ts).
 *
 * Why a copy of the disk: the saved memory holds the guest's page cache and the ext4 state of the
 * moment it was saved, so the disk a restored guest sees must be exactly the disk of that moment.
 * The snapshot VM ran on a qcow2 overlay of the image; that overlay (a few MB: what the boot and
 * code-server wrote) is kept read-only beside the memory, and each workspace gets its own copy of it
 * (same backing file: the image). A copy rather than a second overlay on top of it: the workspace
 * then depends on the image alone, like a cold-created one, and rebuilding or removing the snapshot
 * never breaks a workspace.
 */
export interface SnapshotFiles {
  dir: string;
  /** QEMU's migration stream: RAM and device state. */
  memory: string;
  /** The overlay disk as it was when the memory was saved (read-only from then on). */
  disk: string;
  /** A {@link SnapshotDescription}, written last: its presence says the snapshot is whole. */
  description: string;
}

export function snapshotFiles(dir: string): SnapshotFiles {
  return {
    dir,
    memory: join(dir, 'memory.bin'),
    disk: join(dir, 'disk.qcow2'),
    description: join(dir, 'snapshot.json'),
  };
}

/** What a snapshot was made with: a restore needs all of it to be the same. */
export interface SnapshotHardware {
  /** `qemu-system-x86_64 --version`'s first line: device state is only compatible within one QEMU. */
  qemuVersion: string;
  machine: 'microvm';
  accel: Accelerator;
  cpus: number;
  memoryMiB: number;
  /** The guest image directory's name (its cache key: versions and input hash). */
  imageKey: string;
  /** The kernel flags the guest booted with (GUEST_KERNEL_FLAGS): they shape its saved state. */
  kernelFlags: string;
}

export interface SnapshotDescription extends SnapshotHardware {
  /** The kernel command line the guest booted with; a restore passes the same one. */
  kernelCommandLine: string;
  memoryBytes: number;
  /** SHA-256 of the memory file, checked while it is loaded, before the guest runs. */
  memorySha256: string;
  createdAt: string;
  /** From QMP `stop` to the file on disk. */
  saveMs: number;
}

/** The snapshot's description in `dir`, or why it cannot be read. */
export async function readSnapshotDescription(
  dir: string,
): Promise<{ snapshot: SnapshotDescription } | { problem: string }> {
  try {
    return {
      snapshot: JSON.parse(await readFile(snapshotFiles(dir).description, 'utf8')) as SnapshotDescription,
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'ENOENT'
          ? `there is no snapshot in ${dir} (run scripts/build-guest-snapshot.sh)`
          : `its description is unreadable (${(error as Error).message})`,
    };
  }
}

/** A snapshot that fits, or why none can be used. */
export type SnapshotChoice = { snapshot: SnapshotDescription; files: SnapshotFiles } | { problem: string };

/** The hardware a workspace of `spec` would get on this host. */
export function wantedHardware(
  spec: Pick<VmSpec, 'cpus' | 'memoryMiB'>,
  host: { qemuVersion: string; accel: Accelerator; imageDir: string },
): SnapshotHardware {
  return {
    qemuVersion: host.qemuVersion,
    machine: 'microvm',
    accel: host.accel,
    cpus: spec.cpus,
    memoryMiB: spec.memoryMiB,
    imageKey: basename(host.imageDir),
    kernelFlags: GUEST_KERNEL_FLAGS,
  };
}

/** Why a snapshot made on `made` cannot be restored into `wanted`; undefined when it can. */
export function hardwareMismatch(made: SnapshotHardware, wanted: SnapshotHardware): string | undefined {
  if (made.imageKey !== wanted.imageKey)
    return `it was made from the guest image ${made.imageKey}, not ${wanted.imageKey}`;
  if (made.qemuVersion !== wanted.qemuVersion)
    return `it was made with ${made.qemuVersion}, this host runs ${wanted.qemuVersion}`;
  if (made.machine !== wanted.machine || made.accel !== wanted.accel)
    return `it was made for ${made.machine} under ${made.accel}, not ${wanted.machine} under ${wanted.accel}`;
  if (made.kernelFlags !== wanted.kernelFlags)
    return `it was made with the kernel flags "${made.kernelFlags ?? '(not recorded)'}", not "${wanted.kernelFlags}"`;
  if (made.cpus !== wanted.cpus || made.memoryMiB !== wanted.memoryMiB)
    return `it was made with ${made.cpus} CPUs and ${made.memoryMiB} MiB, not ${wanted.cpus} and ${wanted.memoryMiB}`;
  return undefined;
}

/** The snapshot in `dir` if it is whole and fits `wanted`, else why not (for the cold boot's report). */
export async function chooseSnapshot(dir: string, wanted: SnapshotHardware): Promise<SnapshotChoice> {
  const files = snapshotFiles(dir);
  const described = await readSnapshotDescription(dir);
  if ('problem' in described) return described;
  const { snapshot } = described;
  const mismatch = hardwareMismatch(snapshot, wanted);
  if (mismatch) return { problem: mismatch };
  const [memoryBytes, diskBytes] = await Promise.all(
    [files.memory, files.disk].map((file) =>
      stat(file).then(
        (s) => s.size,
        () => undefined,
      ),
    ),
  );
  if (diskBytes === undefined) return { problem: 'its disk is missing' };
  if (memoryBytes === undefined) return { problem: 'its memory file is missing' };
  if (memoryBytes !== snapshot.memoryBytes)
    return {
      problem: `its memory file is truncated or damaged (${memoryBytes} of ${snapshot.memoryBytes} bytes)`,
    };
  return { snapshot, files };
}

/** `qemu-system-x86_64 --version`'s first line, e.g. "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)". */
export async function qemuVersion(qemuBinary: string): Promise<string> {
  const { stdout } = await execa(qemuBinary, ['--version'], { stdin: 'ignore' });
  return `${stdout}`.split('\n')[0]?.trim() ?? '';
}
