import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, fdatasync } from 'node:fs';
import { chmod, chown, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, waitForExit } from '../host-process.js';
import { RuntimeError, type VmSpec } from '../vm-runtime.js';
import { migrateUri } from './qemu-args.js';
import { guestExec, qmp } from './qmp.js';

/**
 * A suspended VM's memory, beside its disk. The state file is QEMU's migration stream (RAM that was
 * never touched is not written); `memory.json` is written last, so its presence says the state is
 * whole. On resume `woken` is written before the guest runs again: from then on the disk moves on
 * and the memory no longer matches it, so it must never be loaded again, and the marker says so
 * until the wake is done (the state file meanwhile goes, beside the guest's fix-ups).
 */
export interface MemoryFiles {
  state: string;
  meta: string;
  /** The stream while it is being written. */
  partial: string;
  /** Written once the state is loaded, before the guest runs; removed when the wake is done. */
  woken: string;
}

export function memoryFiles(dir: string): MemoryFiles {
  return {
    state: join(dir, 'memory.bin'),
    meta: join(dir, 'memory.json'),
    partial: join(dir, 'memory.bin.partial'),
    woken: join(dir, 'memory.woken'),
  };
}

/** What a memory file holds and what it can be restored into (the same CPUs and RAM). */
export interface MemoryMeta {
  bytes: number;
  cpus: number;
  memoryMiB: number;
  savedAt: string;
  /** From `stop` of the guest to the file on disk. */
  saveMs: number;
}

/** The saved memory's description, if a whole one is there. */
export async function savedMemory(files: MemoryFiles): Promise<MemoryMeta | undefined> {
  const text = await readFile(files.meta, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as MemoryMeta);
}

/** Why the saved memory cannot be restored into `spec`, or undefined when it can be tried. */
export async function memoryProblem(files: MemoryFiles, spec: VmSpec): Promise<string | undefined> {
  let meta: MemoryMeta | undefined;
  try {
    meta = await savedMemory(files);
  } catch (error) {
    return `its description is unreadable (${(error as Error).message})`;
  }
  if (!meta) return 'the suspend did not finish';
  const size = await stat(files.state).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return 'the memory file is missing';
  if (size !== meta.bytes) return `the memory file is truncated or damaged (${size} of ${meta.bytes} bytes)`;
  if (meta.cpus !== spec.cpus || meta.memoryMiB !== spec.memoryMiB)
    return `it was saved with ${meta.cpus} CPUs and ${meta.memoryMiB} MiB, not ${spec.cpus} and ${spec.memoryMiB}`;
  return undefined;
}

export async function discardMemory(files: MemoryFiles): Promise<void> {
  await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
}

export interface SaveOptions {
  qmpSocket: string;
  qgaSocket: string;
  files: MemoryFiles;
  /** Under isolation QEMU runs as another user, which must be able to connect to the save socket. */
  vmUser?: [uid: number, gid: number];
  timeoutMs: number;
  now: () => number;
}

/**
 * Saves a running VM's memory and device state to `files.state`, leaving QEMU paused (the caller
 * ends it). The guest first flushes its disks through the guest agent, so a crash anywhere later
 * loses nothing it had written; QMP `stop` then flushes QEMU's own block layer. On failure the
 * guest runs on and no state file is left.
 */
export async function saveMemory(options: SaveOptions): Promise<MemoryMeta> {
  const { files, qmpSocket } = options;
  await discardMemory(files);
  const sync = await guestExec(options.qgaSocket, ['/bin/sync'], { timeoutMs: 30_000 }).catch(
    (error: Error) => ({
      exitCode: -1,
      stderr: error.message,
    }),
  );
  if (sync.exitCode !== 0)
    throw new RuntimeError(
      'vm_command_failed',
      `the guest did not flush its disks (${sync.stderr.trim() || `sync exited ${sync.exitCode}`}); the VM keeps running, try again`,
    );
  const started = options.now();
  const cpus = ((await qmp(qmpSocket, 'query-cpus-fast')) as unknown[]).length;
  const { 'base-memory': memoryBytes } = (await qmp(qmpSocket, 'query-memory-size-summary')) as {
    'base-memory': number;
  };
  await qmp(qmpSocket, 'stop');
  // The runtime listens, QEMU connects and sends the stream. Under isolation QEMU runs as the VM
  // user, who cannot reach the worker's data directory (0700): the socket is in a directory of its
  // own that anyone may pass through but not list, and only the VM user may connect to (chown).
  const socketDir = await mkdtemp(join(tmpdir(), 'rockpool-save-'));
  await chmod(socketDir, 0o711);
  const saveSocket = join(socketDir, 'sock');
  const receiver = await receiveStream(saveSocket, files.partial, options.vmUser);
  try {
    await qmp(qmpSocket, 'migrate-set-parameters', { 'max-bandwidth': 64 * 1024 ** 3 });
    await qmp(qmpSocket, 'migrate', { uri: migrateUri(saveSocket) });
    const deadline = options.now() + options.timeoutMs;
    await untilMigrated(qmpSocket, () => options.now() > deadline, 'saving the memory');
    const bytes = await beforeDeadline(receiver.done, deadline - options.now(), 'writing the memory file');
    const meta: MemoryMeta = {
      bytes,
      cpus,
      memoryMiB: memoryBytes / 1024 ** 2,
      savedAt: new Date(options.now()).toISOString(),
      saveMs: options.now() - started,
    };
    await rename(files.partial, files.state);
    await writeFile(`${files.meta}.partial`, JSON.stringify(meta));
    await rename(`${files.meta}.partial`, files.meta);
    return meta;
  } catch (error) {
    receiver.abort();
    await discardMemory(files);
    await qmp(qmpSocket, 'cont').catch(() => undefined); // The guest runs on; the error says why.
    throw error;
  } finally {
    await rm(socketDir, { recursive: true, force: true });
  }
}

/** `promise`, or an error once `ms` passed: a stuck write must fail the suspend, not hold it forever. */
async function beforeDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took too long`)), Math.max(ms, 1_000));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** How much of the stream may wait in the page cache before writing it to disk begins. */
const WRITEBACK_BYTES = 32 * 1024 ** 2;

/**
 * Listens on `socketPath` for one connection and writes what it sends to `file`, synced to disk.
 * The disk writes run while QEMU still sends (a data sync every WRITEBACK_BYTES, one at a time):
 * left to one sync at the end, writing 300 MB took another 0.8 s after the stream ended.
 */
async function receiveStream(socketPath: string, file: string, owner?: [number, number]) {
  await rm(socketPath, { force: true });
  const server = createServer();
  let peer: Socket | undefined;
  const done = new Promise<number>((resolve, reject) => {
    server.once('connection', (socket) => {
      peer = socket;
      server.close();
      const out = createWriteStream(file, { mode: 0o600 });
      let fd: number | undefined;
      out.once('open', (opened) => {
        fd = opened;
      });
      let synced = 0;
      let writeback: Promise<void> | undefined;
      // Watches what the stream wrote, never the socket: a listener there would meddle with the
      // pipeline's backpressure.
      const writebackTimer = setInterval(() => {
        const written = out.bytesWritten;
        if (writeback || fd === undefined || written - synced < WRITEBACK_BYTES) return;
        // A failure here is only a missed head start: the final sync reports a real one.
        writeback = new Promise<void>((settle) => fdatasync(fd as number, () => settle())).then(() => {
          synced = written;
          writeback = undefined;
        });
      }, 50);
      out.once('finish', () => {
        clearInterval(writebackTimer);
        fd = undefined; // Closing next: no new sync may start on a descriptor about to be reused.
      });
      out.once('close', () => clearInterval(writebackTimer));
      pipeline(socket, out)
        .then(async () => {
          await writeback;
          const handle = await open(file, 'r+');
          try {
            await handle.sync();
            resolve((await handle.stat()).size);
          } finally {
            await handle.close();
          }
        })
        .catch(reject);
    });
    server.once('error', reject);
  });
  done.catch(() => undefined); // Awaited by the caller; an abort must not be an unhandled rejection.
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(socketPath);
  });
  if (owner) await chown(socketPath, ...owner);
  return {
    done,
    abort: () => {
      server.close();
      peer?.destroy();
    },
  };
}

export interface LoadOptions {
  qmpSocket: string;
  /** The QEMU started `restoring` (qemu-args.ts), with the state file as its descriptor 5. */
  pid: number;
  /** The state file QEMU reads. */
  file: string;
  /** The state's SHA-256, checked while QEMU reads it: a mismatch fails the load before the guest runs. */
  sha256?: string;
  /**
   * Files whose SHA-256 already matched (see fileIdentity), so they are not hashed again: hashing a
   * 300 MB snapshot took as long as QEMU's load itself. The snapshot is read-only and shared by every
   * create, so one check per worker suffices; a file that changes gets a new identity.
   */
  verified?: Set<string>;
  timeoutMs: number;
  now: () => number;
}

/**
 * Waits until a QEMU restoring saved state has loaded it (the VM then stays paused). Throws with
 * the reason when QEMU rejects it, exits, or takes longer than `timeoutMs`: a damaged file must end
 * in a cold boot, never in a VM that hangs.
 */
export async function loadMemory(options: LoadOptions): Promise<void> {
  const deadline = options.now() + options.timeoutMs;
  const expired = () => options.now() > deadline;
  const identity = options.sha256 ? await fileIdentity(options.file, options.sha256) : undefined;
  const check = identity !== undefined && !options.verified?.has(identity);
  // Hashed beside QEMU's own read: the second reader finds the file in the page cache.
  const hashed = check ? sha256Of(options.file) : undefined;
  hashed?.catch(() => undefined); // Awaited below, unless the load failed first.
  await untilMigrated(options.qmpSocket, expired, 'loading the memory', options.pid);
  // QEMU took the whole file (it stays paused): a damaged page would only show in the guest.
  if (hashed && (await hashed) !== options.sha256)
    throw new Error(`the memory file ${options.file} is damaged (its SHA-256 does not match)`);
  if (check) options.verified?.add(identity);
}

/**
 * Hashes `file` and records it in `verified` (LoadOptions.verified) when it has `sha256`, so a later
 * load skips the check. Whether it matched.
 */
export async function verifyMemoryFile(
  file: string,
  sha256: string,
  verified: Set<string>,
): Promise<boolean> {
  // Taken before hashing: a file written meanwhile gets another identity and is checked again.
  const identity = await fileIdentity(file, sha256);
  if (verified.has(identity)) return true;
  const matches = (await sha256Of(file)) === sha256;
  if (matches) verified.add(identity);
  return matches;
}

/** A file's SHA-256, hex. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 ** 2 })) hash.update(chunk);
  return hash.digest('hex');
}

/** A file as it is now, with the hash it should have: any write or replacement changes the key. */
async function fileIdentity(file: string, sha256: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return [file, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, sha256].join(':');
}

/** Polls `query-migrate` until the migration completed; throws if it failed, QEMU died, or time ran out. */
async function untilMigrated(qmpSocket: string, expired: () => boolean, what: string, pid?: number) {
  for (;;) {
    if (pid !== undefined && !isAlive(pid))
      throw new Error(`QEMU exited while ${what} (a damaged or truncated file?)`);
    const info = (await qmp(qmpSocket, 'query-migrate').catch(async (error: Error) => {
      // QEMU rejects a bad stream by exiting: its monitor goes first, the process a moment later.
      if (pid !== undefined && (await waitForExit(pid, 2_000))) return { status: 'exited' };
      throw error;
    })) as { status?: string; 'error-desc'?: string };
    if (info.status === 'exited') throw new Error(`QEMU exited while ${what} (a damaged or truncated file?)`);
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'cancelled')
      throw new Error(`QEMU failed ${what}: ${info['error-desc'] ?? info.status}`);
    if (expired()) throw new Error(`${what} took too long (QEMU says ${info.status ?? 'nothing'})`);
    await sleep(10);
  }
}
