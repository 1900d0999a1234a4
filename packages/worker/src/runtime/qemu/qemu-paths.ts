import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readGateSecret } from '../gate-secret.js';
import type { GateEndpoint } from '../vm-runtime.js';
import type { VmPaths } from './qemu-args.js';
import { type MemoryFiles, memoryFiles } from './qemu-snapshot.js';

export interface QemuVmPaths extends VmPaths {
  dir: string;
  /** The host port forwarded to the guest's gate, while it runs. */
  gatePort: string;
  /** The gate's secret for this boot (0600), while it runs. */
  gateSecret: string;
  /** Saved memory, while the VM is suspended. */
  memory: MemoryFiles;
  /** How the first start brings up a new VM (qemu-from-snapshot.ts), until it did. */
  birth: string;
}

/** One directory (0700) per VM: overlay disk, sockets, pid file, console log, gate, saved memory. */
export function qemuVmPaths(stateDir: string, workspace: string): QemuVmPaths {
  const dir = join(stateDir, workspace);
  return {
    dir,
    disk: join(dir, 'disk.qcow2'),
    pidFile: join(dir, 'qemu.pid'),
    qmpSocket: join(dir, 'qmp.sock'),
    qgaSocket: join(dir, 'qga.sock'),
    restoreSocket: join(dir, 'restore.sock'),
    consoleLog: join(dir, 'console.log'),
    gatePort: join(dir, 'gate-port'),
    gateSecret: join(dir, 'gate-secret'),
    memory: memoryFiles(dir),
    birth: join(dir, 'birth.json'),
  };
}

/** The gate of a VM from its state directory, if both its port and its secret are there. */
export async function readGate(
  paths: Pick<QemuVmPaths, 'gatePort' | 'gateSecret'>,
): Promise<GateEndpoint | undefined> {
  const port = Number((await readFile(paths.gatePort, 'utf8').catch(() => '')).trim());
  const secret = await readGateSecret(paths.gateSecret);
  return port > 0 && secret ? { address: `127.0.0.1:${port}`, secret } : undefined;
}
