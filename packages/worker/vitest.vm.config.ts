import { defineConfig } from 'vitest/config';

/** Tests on real QEMU VMs: one file at a time, in order, with long timeouts. */
export default defineConfig({
  test: {
    include: ['src/**/*.vm.test.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 600_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-vm.json' }]],
  },
});
