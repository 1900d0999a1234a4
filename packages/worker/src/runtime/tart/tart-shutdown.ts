import { tartExecArgs, tartStopArgs } from './tart-args.js';
import { failed, type TartCli } from './tart-cli.js';
import { classifyTartFailure } from './tart-output.js';
import type { TartRuns } from './tart-run.js';

/** `tart exec <vm> sync` flushes the guest's page cache before it is asked to shut down. */
const FLUSH_TIMEOUT_MS = 15_000;
/** `tart stop --timeout` once the guest did not shut down: tart's own SIGINT, then SIGKILL. */
const POWER_CUT_TIMEOUT_SECONDS = 5;

export interface ShutdownDeps {
  cli: TartCli;
  runs: TartRuns;
  /** How long the guest may take to shut down when asked, before its power is cut. */
  stopTimeoutSeconds: number;
}

/**
 * Stops a workspace's VM the way the QEMU runtime does: flushes the guest's disks
 * (`tart exec <vm> sync`), asks the guest to shut down (SIGUSR2 to our `tart run`, the power button)
 * and waits for it, and only when it did not (no `tart run` of ours, or a guest that ignores the
 * button, e.g. while still booting) cuts the power with `tart stop`. `tart stop` alone is a power cut
 * (SIGINT → `VZVirtualMachine.stop()`, VM.swift): whatever the guest had not written would be lost.
 * What it had to do beyond the clean path goes into the VM's log.
 */
export async function shutDown(deps: ShutdownDeps, workspace: string, vm: string): Promise<void> {
  const { cli, runs, stopTimeoutSeconds } = deps;
  const state = await cli.state(vm);
  if (state === 'running') {
    await flush(deps, workspace, vm);
    const pid = await runs.pid(workspace);
    const stopped = pid !== undefined && (await runs.requestGuestStop(pid, stopTimeoutSeconds * 1000));
    if (!stopped) {
      await runs.note(
        workspace,
        pid === undefined
          ? `${vm} runs under a tart run that is not ours: cutting its power (tart stop)`
          : `${vm} did not shut down within ${stopTimeoutSeconds} s: cutting its power (tart stop)`,
      );
      await powerCut(cli, vm);
    }
  } else if (state === 'suspended') {
    await powerCut(cli, vm); // discards the snapshot; the next start boots afresh
  }
  await runs.end(workspace, stopTimeoutSeconds * 1000);
}

/**
 * The guest's page cache to its disk, through the Tart Guest Agent (in Cirrus Labs' images; the host
 * needs macOS 14). Without it the shutdown that follows still flushes; only a guest that then ignores
 * the power button loses what it had not written. The log says which happened.
 */
async function flush(deps: ShutdownDeps, workspace: string, vm: string): Promise<void> {
  const synced = await deps.cli
    .exec(tartExecArgs(vm, ['sync']), FLUSH_TIMEOUT_MS)
    .catch((error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message }));
  if (synced.exitCode !== 0)
    await deps.runs.note(
      workspace,
      `tart exec ${vm} sync failed (${synced.stderr || `exit ${synced.exitCode}`}); asking the guest to shut down anyway`,
    );
}

async function powerCut(cli: TartCli, vm: string): Promise<void> {
  const stopped = await cli.exec(tartStopArgs(vm, POWER_CUT_TIMEOUT_SECONDS));
  // Stopped meanwhile (by the guest, or a concurrent stop) is what was asked for.
  if (stopped.exitCode !== 0 && !['not_running', 'vm_missing'].includes(classifyTartFailure(stopped.stderr)))
    throw failed(['stop', vm], stopped);
}
