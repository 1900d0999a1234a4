import { readFile, rm } from 'node:fs/promises';
import { signal, waitForExit } from '../host-process.js';
import { vmProcessName } from './qemu-args.js';
import type { QemuVmPaths } from './qemu-paths.js';
import { qmp } from './qmp.js';

/* A VM's QEMU process: found by its pid file and checked by its name, ended with what only it had. */

/** The PID in `paths.pidFile`, if that process is alive and is `workspace`'s QEMU. */
export async function livePid(
  paths: Pick<QemuVmPaths, 'pidFile'>,
  workspace: string,
): Promise<number | undefined> {
  const raw = await readFile(paths.pidFile, 'utf8').catch(() => undefined);
  const pid = Number(raw?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(vmProcessName(workspace)) ? pid : undefined;
}

/** Ends QEMU (politely, then by SIGKILL) and removes what only a running VM has. */
export async function endQemu(paths: QemuVmPaths, pid: number): Promise<void> {
  await qmp(paths.qmpSocket, 'quit').catch(() => undefined);
  if (!(await waitForExit(pid, 10_000))) {
    signal(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
  await Promise.all(
    [
      paths.pidFile,
      paths.qmpSocket,
      paths.qgaSocket,
      paths.restoreSocket,
      paths.gatePort,
      paths.gateSecret,
    ].map((f) => rm(f, { force: true })),
  );
}
