import type { BenchResult } from '../lib/results.js';

export interface BenchContext {
  /** Smaller parameters for development; figures from a quick run are not the published ones. */
  quick: boolean;
  caddyBinary: string;
  /** Where results and plots go: bench/results, or bench/results/quick for `--quick`. */
  resultsDir: string;
  log(message: string): void;
}

/** What a benchmark measured; the runner adds the name, the time and the machine. */
export type BenchOutcome = Pick<
  BenchResult,
  'parameters' | 'figures' | 'targets' | 'plots' | 'notes' | 'tables'
>;

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchOutcome>;
}
