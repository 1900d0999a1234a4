import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { execa } from 'execa';
import type { Accelerator } from './qemu-args.js';

/**
 * KVM where it really works, TCG otherwise. /dev/kvm can exist and still hang (nested KVM on some
 * hosts spins the vCPU in the kernel), so boot the guest kernel once without a disk under KVM: a
 * working KVM reaches the "cannot mount root" panic and exits within seconds; a hanging one
 * prints nothing until the timeout.
 */
export async function detectAccelerator(options: {
  qemuBinary: string;
  kernel: string;
  timeoutMs?: number;
}): Promise<{ accel: Accelerator; reason: string }> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is not available' };
  }
  const probe = await execa(
    options.qemuBinary,
    [
      '-accel',
      'kvm',
      '-cpu',
      'host',
      '-M',
      'microvm',
      '-m',
      '256',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-serial',
      'stdio',
      '-kernel',
      options.kernel,
      '-append',
      'console=ttyS0 panic=-1',
    ],
    { timeout: options.timeoutMs ?? 8_000, reject: false, stdin: 'ignore' },
  );
  if (probe.timedOut) return { accel: 'tcg', reason: 'KVM exists but a probe boot hung (nested KVM?)' };
  if (/Kernel panic|VFS|Linux version/.test(`${probe.stdout}`))
    return { accel: 'kvm', reason: 'KVM probe boot worked' };
  return {
    accel: 'tcg',
    reason: `KVM probe failed: ${`${probe.stderr}`.trim().slice(0, 200) || `exit ${probe.exitCode}`}`,
  };
}

/** The host CPU frequency in kHz, for the guest's tsc_early_khz. */
export async function hostTscKhz(readCpuinfo: () => Promise<string>): Promise<number> {
  const match = /cpu MHz\s*:\s*([\d.]+)/.exec(await readCpuinfo());
  return match?.[1] ? Math.round(Number(match[1]) * 1000) : 2_000_000;
}
