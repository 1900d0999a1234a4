import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VmPaths } from './qemu-args.js';
import { type MemoryFiles, memoryFiles } from './qemu-snapshot.js';

export interface QemuVmPaths extends VmPaths {
  dir: string;
  /** The host ports forwarded to the guest ({@link PortMap}), while it runs. */
  ports: string;
  /** Saved memory, while the VM is suspended. */
  memory: MemoryFiles;
}

/** One directory per VM: overlay disk, sockets, pid file, console log, port map, saved memory. */
export function qemuVmPaths(stateDir: string, workspace: string): QemuVmPaths {
  const dir = join(stateDir, workspace);
  return {
    dir,
    disk: join(dir, 'disk.qcow2'),
    pidFile: join(dir, 'qemu.pid'),
    qmpSocket: join(dir, 'qmp.sock'),
    qgaSocket: join(dir, 'qga.sock'),
    consoleLog: join(dir, 'console.log'),
    ports: join(dir, 'ports.json'),
    memory: memoryFiles(dir),
  };
}

export interface PortMap {
  ide: number;
  /** guest port -> host port */
  forwards: Record<string, number>;
}

/** Written to a temporary file and renamed over: a reader never sees a half-written map. */
export async function writePortMap(file: string, map: PortMap): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(map));
  await rename(`${file}.tmp`, file);
}

export async function readPortMap(file: string): Promise<PortMap | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as PortMap) : undefined;
}
