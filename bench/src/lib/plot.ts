import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Series {
  title: string;
  points: [number, number][];
}

export interface PlotOptions {
  /** The results directory the PNG goes into. */
  dir: string;
  /** File name in `dir`, e.g. `route-churn.png`. */
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  /** For categories on x (1..n): the x range and a label per category. */
  categories?: string[];
  /** gnuplot style: `linespoints` for curves, `points` for scatter. */
  style?: 'linespoints' | 'points';
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * A PNG through gnuplot's pngcairo terminal (Debian's gnuplot-nox), data inline. Returns the file
 * name relative to the results directory, as the JSON records it.
 */
export async function plot(options: PlotOptions): Promise<string> {
  const out = join(options.dir, options.file);
  // A fresh clone has no results directory yet (quick runs write to an untracked one).
  await mkdir(options.dir, { recursive: true });
  const style = options.style ?? 'linespoints';
  const lines = [
    'set terminal pngcairo size 900,560 font "sans,10"',
    `set output ${quote(out)}`,
    `set title ${quote(options.title)}`,
    `set xlabel ${quote(options.xLabel)}`,
    `set ylabel ${quote(options.yLabel)}`,
    'set grid',
    'set key left top',
    ...(options.logX ? ['set logscale x'] : []),
    ...(options.logY ? ['set logscale y'] : []),
    ...(options.categories
      ? [
          `set xrange [0.5:${options.categories.length + 0.5}]`,
          `set xtics (${options.categories.map((c, i) => `${quote(c)} ${i + 1}`).join(', ')})`,
          'set key outside right top',
        ]
      : []),
    `plot ${options.series.map((s) => `'-' using 1:2 with ${style} pointsize 1.6 title ${quote(s.title)}`).join(', ')}`,
    ...options.series.flatMap((s) => [...s.points.map(([x, y]) => `${x} ${y}`), 'e']),
  ];
  const script = `${out}.gp`;
  await writeFile(script, `${lines.join('\n')}\n`);
  try {
    await run('gnuplot', [script]);
  } finally {
    await rm(script, { force: true });
  }
  return options.file;
}
