import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './machine.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** What the figure was measured on, e.g. `{ target: 'rockpool', size: 'small', concurrency: 1 }`. */
  labels?: Record<string, string | number>;
}

export interface TargetCheck {
  name: string;
  /** The target as a sentence, e.g. `<= 0.05 ms`. */
  target: string;
  measured: number;
  unit: string;
  met: boolean;
  /** Where a target is missed: what dominates the figure. */
  note?: string;
}

export interface BenchResult {
  name: string;
  takenAt: string;
  durationS: number;
  machine: Machine;
  parameters: Record<string, unknown>;
  figures: Figure[];
  targets: TargetCheck[];
  plots: string[];
  notes: string[];
  /** The summary tables printed after the run (first row: header), also rendered in bench/README.md. */
  tables: Table[];
}

export type Table = (string | number)[][];

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');
/** Where `--quick` runs write, so they never overwrite the published results (git-ignored). */
export const QUICK_RESULTS_DIR = join(RESULTS_DIR, 'quick');

export async function writeResult(result: BenchResult, dir = RESULTS_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** A plain-text table: the first row is the header. */
export function formatTable(rows: Table): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length))) ?? [];
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  const [header, ...body] = cells;
  return [line(header ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

export function printTargets(targets: TargetCheck[]): string {
  return formatTable([
    ['target', 'wanted', 'measured', 'met'],
    ...targets.map((t) => [t.name, t.target, `${formatNumber(t.measured)} ${t.unit}`, t.met ? 'yes' : 'NO']),
  ]);
}
