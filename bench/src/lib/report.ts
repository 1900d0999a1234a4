import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchResult, formatNumber, RESULTS_DIR, type Table } from './results.js';

const BENCHMARK_NAMES = ['proxy-overhead', 'route-churn', 'ws-survival', 'ready-time', 'api'];
const README = join(RESULTS_DIR, '..', 'README.md');
const START = '<!-- results:start (written by the bench command; do not edit by hand) -->';
const END = '<!-- results:end -->';

function cell(value: string | number): string {
  return (typeof value === 'number' ? formatNumber(value) : value).replace(/\|/g, '\\|');
}

/** Columns padded to equal width, as the repository's formatter (Biome) writes Markdown tables. */
function markdownTable([header, ...rows]: Table): string {
  if (!header) return '';
  const cells = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The latest results, as Markdown: machine, targets, then each benchmark's tables, notes and plots. */
export function renderResults(results: BenchResult[]): string {
  const parts: string[] = [];
  const first = results[0];
  if (!first) return '_No results yet: run `./scripts/bench.sh`._';
  const m = first.machine;
  const dates = results.map((r) => r.takenAt).sort();
  parts.push(
    `Taken ${dates[0]?.slice(0, 16).replace('T', ' ')}–${dates.at(-1)?.slice(11, 16)} UTC on ${m.cpuModel} (${m.cores} cores), ${Math.round(m.memoryMiB / 1024)} GiB, ${m.os}, Node ${m.node}, Caddy ${m.caddy}. ` +
      `Load average when each benchmark started: ${results.map((r) => `${r.name} ${r.machine.loadAverage1m.toFixed(2)}`).join(', ')}; ` +
      `other VMs running: ${Math.max(...results.map((r) => r.machine.otherVms))}.` +
      (results.some((r) => r.parameters.quick) ? ' **Some figures come from a `--quick` run.**' : ''),
  );
  parts.push(
    '### Targets',
    markdownTable([
      ['benchmark', 'target', 'wanted', 'measured', 'met'],
      ...results.flatMap((r) =>
        r.targets.map((t) => [
          r.name,
          t.name,
          t.target,
          `${formatNumber(t.measured)} ${t.unit}`,
          t.met ? 'yes' : '**no**',
        ]),
      ),
    ]),
  );
  for (const r of results) {
    parts.push(`### ${r.name}`, ...r.tables.map(markdownTable));
    if (r.notes.length > 0) parts.push(r.notes.map((n) => `- ${n}`).join('\n'));
    for (const plot of r.plots) parts.push(`![${r.name}](results/${plot})`);
  }
  return parts.join('\n\n');
}

/** Rewrites the results section of bench/README.md from bench/results/*.json. */
export async function updateReadme(names: string[] = BENCHMARK_NAMES): Promise<void> {
  const results: BenchResult[] = [];
  for (const name of names) {
    const file = join(RESULTS_DIR, `${name}.json`);
    if (existsSync(file)) results.push(JSON.parse(await readFile(file, 'utf8')) as BenchResult);
  }
  const readme = await readFile(README, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${README} has no results markers`);
  await writeFile(
    README,
    `${readme.slice(0, start + START.length)}\n\n${renderResults(results)}\n\n${readme.slice(end)}`,
  );
}
