import { join } from 'node:path';
import { ensureGuestIsolation } from './qemu/network-guard.js';
import { QemuRuntime } from './qemu/qemu-runtime.js';
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
    const runtime = new QemuRuntime({ imageDir, stateDir, accel, isolation });
    const chosen = await runtime.accelerator();
    process.stderr.write(`rockpool-worker: QEMU accelerator ${chosen.accel} (${chosen.reason})\n`);
    return runtime;
  }
  if (kind === 'tart')
    return new TartRuntime({
      stateDir,
      baseImage: env.ROCKPOOL_TART_IMAGE || 'rockpool-base',
      ...(env.TART_HOME ? { env: { TART_HOME: env.TART_HOME } } : {}),
    });
  throw new Error(`ROCKPOOL_RUNTIME must be qemu or tart (got ${kind})`);
}
