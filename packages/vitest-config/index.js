// Plain JavaScript: vitest loads config files with Node, which cannot import a workspace package's
// TypeScript sources. The types are in index.d.ts.
import { defineConfig } from 'vitest/config';

/** scripts/lib/test-summary.mjs sums up every package's `test-results/vitest*.json`. */
const reporters = (file) => ['default', ['json', { outputFile: `test-results/${file}` }]];

/**
 * `pnpm test` of a package: `src/**\/*.test.ts`. `slow` gives integration tests that start real
 * processes (Caddy, servers, openssl) room on a 2-core machine; `withVmTests` leaves the tests that
 * boot real VMs (`*.vm.test.ts`, minutes under TCG) to `pnpm test:vm`.
 */
export function unitTestConfig({ slow = false, withVmTests = false } = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      ...(withVmTests ? { exclude: ['src/**/*.vm.test.ts', '**/node_modules/**'] } : {}),
      ...(slow ? { testTimeout: 60_000, hookTimeout: 120_000 } : {}),
      reporters: reporters('vitest.json'),
    },
  });
}

/** `pnpm test:vm`: tests on real VMs, one file at a time, in order, with long timeouts. */
export function vmTestConfig() {
  return defineConfig({
    test: {
      include: ['src/**/*.vm.test.ts'],
      fileParallelism: false,
      sequence: { concurrent: false },
      testTimeout: 600_000,
      hookTimeout: 300_000,
      reporters: reporters('vitest-vm.json'),
    },
  });
}
