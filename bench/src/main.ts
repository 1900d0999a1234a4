#!/usr/bin/env node
import { caddyBinaryForTests } from '@rockpool/caddy/testing';
import { api } from './benchmarks/api.js';
import { proxyOverhead } from './benchmarks/proxy-overhead.js';
import { readyTime } from './benchmarks/ready-time.js';
import { routeChurn } from './benchmarks/route-churn.js';
import type { Benchmark } from './benchmarks/types.js';
import { wsSurvival } from './benchmarks/ws-survival.js';
import { describeMachine } from './lib/machine.js';
import { updateReadme } from './lib/report.js';
import { formatTable, printTargets, QUICK_RESULTS_DIR, RESULTS_DIR, writeResult } from './lib/results.js';

const BENCHMARKS: Benchmark[] = [proxyOverhead, routeChurn, wsSurvival, readyTime, api];

const USAGE = `usage: scripts/bench.sh [--quick] [name...]

Runs Rockpool's benchmarks (all by default) and writes bench/results/<name>.json and plots.
  --quick   smaller parameters, for development: results go to bench/results/quick/ (git-ignored)
Benchmarks:
${BENCHMARKS.map((b) => `  ${b.name.padEnd(16)}${b.description}`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknownOption = argv.find((a) => a.startsWith('-') && a !== '--quick');
  if (unknownOption) {
    process.stderr.write(`unknown option ${unknownOption}\n${USAGE}`);
    return 2;
  }
  const quick = argv.includes('--quick');
  const resultsDir = quick ? QUICK_RESULTS_DIR : RESULTS_DIR;
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const caddyBinary = caddyBinaryForTests();
  let failed = 0;
  for (const benchmark of selected) {
    const log = (message: string) => process.stderr.write(`[${benchmark.name}] ${message}\n`);
    log(`${benchmark.description}${quick ? ' (quick)' : ''}`);
    const machine = describeMachine(caddyBinary);
    const takenAt = new Date().toISOString();
    const started = performance.now();
    try {
      const outcome = await benchmark.run({ quick, caddyBinary, log, resultsDir });
      const file = await writeResult(
        {
          name: benchmark.name,
          takenAt,
          durationS: Math.round((performance.now() - started) / 1000),
          machine,
          ...outcome,
          parameters: { ...outcome.parameters, quick },
        },
        resultsDir,
      );
      const tables = outcome.tables.map(formatTable).join('\n\n');
      const notes = outcome.notes.length > 0 ? `\n\n${outcome.notes.join('\n')}` : '';
      process.stdout.write(
        `\n== ${benchmark.name} ==\n${tables}${notes}\n\n${printTargets(outcome.targets)}\n`,
      );
      process.stdout.write(`-> ${file}${outcome.plots.length ? `, ${outcome.plots.join(', ')}` : ''}\n`);
    } catch (error) {
      failed++;
      log(`FAILED: ${(error as Error).stack ?? error}`);
    }
  }
  if (!quick) {
    await updateReadme(BENCHMARKS.map((b) => b.name));
    process.stderr.write('bench/README.md: results section rewritten from bench/results/*.json\n');
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
