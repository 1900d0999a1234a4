import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { ensureGuestIsolation } from './qemu/network-guard.js';
import { QemuRuntime } from './qemu/qemu-runtime.js';
import { detectSoftnet, dhcpLeaseSeconds, readBootpdDefaults, tartHostReport } from './tart/tart-host.js';
import { tartInstanceId } from './tart/tart-instance.js';
import { TartRuntime } from './tart/tart-runtime.js';
import type { VmRuntime } from './vm-runtime.js';

/** The runtime for this platform: qemu on Linux, tart on macOS; ROCKPOOL_RUNTIME overrides. */
export async function createRuntime(env: NodeJS.ProcessEnv, dataDir: string): Promise<VmRuntime> {
  const kind = env.ROCKPOOL_RUNTIME || (process.platform === 'darwin' ? 'tart' : 'qemu');
  const stateDir = join(dataDir, 'vms');
  if (kind === 'qemu') {
    const imageDir = env.ROCKPOOL_GUEST_IMAGE;
    if (!imageDir)
      throw new Error('ROCKPOOL_GUEST_IMAGE is not set: scripts/run.sh builds the image and sets it');
    const isolation = await ensureGuestIsolation();
    if (!isolation.enforced)
      process.stderr.write(
        `rockpool-worker: WARNING guests are NOT isolated from this host's services: ${isolation.reason}\n`,
      );
    const accel = env.ROCKPOOL_QEMU_ACCEL || 'auto';
    if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg')
      throw new Error(`ROCKPOOL_QEMU_ACCEL must be auto, kvm or tcg (got ${accel})`);
    // scripts/run.sh builds the guest snapshot and sets it; unset or `off`: every VM boots cold.
    const snapshot = env.ROCKPOOL_GUEST_SNAPSHOT;
    const snapshotDir = snapshot && snapshot !== 'off' ? snapshot : undefined;
    const runtime = new QemuRuntime({
      imageDir,
      stateDir,
      accel,
      isolation,
      ...(snapshotDir ? { snapshotDir } : {}),
    });
    const chosen = await runtime.accelerator();
    process.stderr.write(`rockpool-worker: QEMU accelerator ${chosen.accel} (${chosen.reason})\n`);
    process.stderr.write(
      `rockpool-worker: new workspaces ${snapshotDir ? `are restored from the guest snapshot ${snapshotDir} when it fits` : 'boot cold (no guest snapshot: ROCKPOOL_GUEST_SNAPSHOT)'}\n`,
    );
    // In the background: the first create then skips hashing the snapshot beside its load.
    runtime.verifySnapshot().then(
      (problem) => {
        if (problem) process.stderr.write(`rockpool-worker: WARNING the guest snapshot: ${problem}\n`);
      },
      (error: Error) =>
        process.stderr.write(`rockpool-worker: WARNING checking the guest snapshot: ${error.message}\n`),
    );
    return runtime;
  }
  if (kind === 'tart') {
    const layout = dataDirLayout(dataDir);
    const report = tartHostReport(await detectSoftnet(env), dhcpLeaseSeconds(await readBootpdDefaults()));
    await writeRuntimeReport(layout.runtimeReport, { runtime: 'tart', ...report });
    process.stderr.write(
      `rockpool-worker: tart network ${report.network === 'softnet' ? 'softnet (guests isolated)' : 'shared NAT'}\n`,
    );
    for (const warning of report.warnings) process.stderr.write(`rockpool-worker: WARNING ${warning}\n`);
    return new TartRuntime({
      stateDir,
      instanceId: await tartInstanceId(layout.tartInstance, env.ROCKPOOL_TART_INSTANCE),
      network: report.network,
      baseImage: env.ROCKPOOL_TART_IMAGE || 'rockpool-base',
      // Absolute: tart resolves a relative TART_HOME against its cwd, the VM's state directory.
      ...(env.TART_HOME ? { env: { TART_HOME: resolve(env.TART_HOME) } } : {}),
    });
  }
  throw new Error(`ROCKPOOL_RUNTIME must be qemu or tart (got ${kind})`);
}

/** What `rockpool status` shows about the runtime (read by apps/cli `status`). */
export interface RuntimeReport {
  runtime: 'tart';
  network: string;
  warnings: string[];
}

async function writeRuntimeReport(file: string, report: RuntimeReport): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
}
