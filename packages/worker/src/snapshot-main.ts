#!/usr/bin/env node
import { availableParallelism, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { buildSnapshot } from './runtime/qemu/build-snapshot.js';

// Run by scripts/build-guest-snapshot.sh: the snapshot's directory on stdout, progress on stderr.
// The defaults are the server's default workspace size (packages/server/src/settings.ts, readLimits):
// a snapshot only serves workspaces of exactly its CPUs and RAM.
const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    cpus: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    'memory-mib': { type: 'string', default: String(Math.min(2048, Math.floor(totalmem() / 1024 ** 2 / 2))) },
    accel: { type: 'string', default: process.env.ROCKPOOL_QEMU_ACCEL || 'auto' },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`rockpool-guest-snapshot: ${message}\n`);
  process.exit(2);
};
const imageDir = values.image ?? fail('--image DIR (the guest image directory) is required');
const cpus = Number(values.cpus);
const memoryMiB = Number(values['memory-mib']);
if (!Number.isInteger(cpus) || cpus < 1) fail(`--cpus must be a positive integer (got ${values.cpus})`);
if (!Number.isInteger(memoryMiB) || memoryMiB < 256)
  fail(`--memory-mib must be an integer of at least 256 (got ${values['memory-mib']})`);
const accel = values.accel;
if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg')
  fail(`--accel must be auto, kvm or tcg (got ${accel})`);

try {
  const dir = await buildSnapshot({
    imageDir,
    cpus,
    memoryMiB,
    accel: accel as 'auto' | 'kvm' | 'tcg',
    bootTimeoutMs: 600_000,
    log: (line) => process.stderr.write(`    ${line}\n`),
  });
  process.stdout.write(`${dir}\n`);
} catch (error) {
  fail((error as Error).message);
}
