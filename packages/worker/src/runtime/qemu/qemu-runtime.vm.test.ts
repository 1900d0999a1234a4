import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeVmRuntimeContract } from '../vm-runtime.contract.js';
import { QemuRuntime } from './qemu-runtime.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir)
  throw new Error('ROCKPOOL_GUEST_IMAGE is not set: run scripts/build-guest-image.sh (scripts/test.sh does)');

describeVmRuntimeContract(
  'qemu (real VMs)',
  async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'rockpool-qemu-'));
    const runtime = new QemuRuntime({ imageDir, stateDir });
    return {
      runtime,
      cleanup: async () => {
        // Kill by PID whatever the suite left running, then remove its disks.
        for (const name of await runtime.list()) {
          const info = await runtime.inspect(name);
          if (info.pid) process.kill(info.pid, 'SIGKILL');
        }
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
  { bootTimeoutMs: 180_000 },
);
