import { defineConfig } from 'vitest/config';

// Unit tests of the parsing and reporting only: the benchmarks themselves never run under `test`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
