import { rm, writeFile } from 'node:fs/promises';
import { exists } from '../host-files.js';
import { signal, waitForExit } from '../host-process.js';
import type { BootReport, VmInfo, VmSpec } from '../vm-runtime.js';
import { applyResumeFixups } from './guest-fixups.js';
import { discardMemory, loadMemory, type MemoryFiles, memoryProblem } from './qemu-snapshot.js';
import { qmp } from './qmp.js';

/** What resuming one VM needs from the runtime. */
export interface ResumeDeps {
  spec: VmSpec;
  paths: { qmpSocket: string; restoreSocket: string; memory: MemoryFiles };
  /** Starts QEMU: to boot, or to restore the saved memory in the file `memory`. */
  launch(memory?: string): Promise<VmInfo>;
  inspect(): Promise<VmInfo>;
  /** How long loading the memory may take before the start falls back to a cold boot. */
  timeoutMs: number;
  now: () => number;
}

/**
 * Starts a VM that does not run: from its saved memory when there is usable memory, else (or when
 * restoring fails) by a cold boot whose report says why the memory was not used.
 */
export async function resumeOrBoot(deps: ResumeDeps): Promise<VmInfo> {
  const { memory } = deps.paths;
  let reason = await whyNotResume(deps);
  if (reason === undefined) {
    let pid: number | undefined;
    try {
      pid = (await deps.launch(memory.state)).pid as number;
      await loadMemory({ qmpSocket: deps.paths.qmpSocket, pid, file: memory.state, ...deps });
      return await wake(deps);
    } catch (error) {
      reason = `restoring the memory failed: ${(error as Error).message}`;
      if (pid !== undefined) {
        signal(pid, 'SIGKILL');
        await waitForExit(pid, 5_000);
      }
    }
  }
  if (reason === 'none') return deps.launch();
  await discardMemory(memory);
  return { ...(await deps.launch()), boot: { kind: 'cold', instead: 'resume', reason } };
}

/**
 * `start` of a VM whose QEMU runs: usually nothing to do (it returns `current`). A crash may have
 * cut a resume short, though: after QEMU loaded the memory (the wake is finished), or while it
 * loaded it (that QEMU is ended, and undefined says to resume again).
 */
export async function settleRunning(deps: ResumeDeps, current: VmInfo): Promise<VmInfo | undefined> {
  const { memory } = deps.paths;
  if (await exists(memory.woken)) return wake(deps);
  if (!(await exists(memory.state))) return current;
  if (current.pid !== undefined) {
    signal(current.pid, 'SIGKILL');
    await waitForExit(current.pid, 5_000);
  }
  return undefined;
}

/**
 * Why saved memory cannot be restored ('none' when there is none, so nothing to report), or
 * undefined when it can be tried.
 */
async function whyNotResume(deps: ResumeDeps): Promise<string | undefined> {
  const { memory } = deps.paths;
  if (await exists(memory.woken)) return 'the last resume was cut short once the guest could run again';
  const present = await Promise.all([memory.meta, memory.state, memory.partial].map(exists));
  if (!present.some(Boolean)) return 'none';
  const problem = await memoryProblem(memory, deps.spec);
  return problem && `the saved memory cannot be used: ${problem}`;
}

/**
 * Lets a restored guest run: the memory is retired first (the `woken` marker, then its description:
 * from now on the disk moves on, so it must never be loaded again), then the guest continues, and
 * its restore agent sets its clock (still at the moment of suspend) to the host's and installs the
 * gate's new secret, while the memory file goes (unlinking a few hundred MB takes ~0.1 s). The
 * marker goes last. Also finishes a wake that a crash cut short. A failure here ends in a cold boot
 * (see resumeOrBoot).
 */
export async function wake(deps: Pick<ResumeDeps, 'paths' | 'inspect' | 'now'>): Promise<VmInfo> {
  const { memory, qmpSocket, restoreSocket } = deps.paths;
  await writeFile(memory.woken, '', { mode: 0o600 });
  await rm(memory.meta, { force: true });
  const status = (await qmp(qmpSocket, 'query-status')) as { status: string };
  if (status.status !== 'running') await qmp(qmpSocket, 'cont');
  const info = await deps.inspect();
  if (!info.gate) throw new Error('the resumed VM has no gate secret on the host');
  const boot: BootReport = { kind: 'resumed' };
  const [{ skewMs }] = await Promise.all([
    applyResumeFixups(restoreSocket, { gateSecret: info.gate.secret, now: deps.now }),
    rm(memory.state, { force: true }),
    rm(memory.partial, { force: true }),
  ]);
  if (Math.abs(skewMs) > 1_000) boot.notice = `the guest clock is ${skewMs} ms off the host's`;
  await discardMemory(memory);
  return { ...info, boot };
}
