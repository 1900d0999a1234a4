import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkOptions {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Default: min(connections, 2). */
  threads?: number;
}

export interface WrkResult {
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
  requests: number;
  /** Answers other than 2xx/3xx (e.g. a 429 from a rate limit would show here). */
  non2xx: number;
  socketErrors: number;
}

/** wrk prints durations as `123.45us`, `1.23ms` or `1.02s`. */
export function parseWrkDuration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) throw new Error(`cannot parse wrk duration ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2];
  return unit === 'us' ? value / 1000 : unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
}

export function parseWrkOutput(output: string): WrkResult {
  const percentileOf = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output);
    if (!match?.[1]) throw new Error(`wrk output has no ${p}% latency:\n${output}`);
    return parseWrkDuration(match[1]);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const total = /^\s+(\d+) requests in/m.exec(output);
  if (!rps?.[1] || !total?.[1]) throw new Error(`unexpected wrk output:\n${output}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    p50Ms: percentileOf('50'),
    p99Ms: percentileOf('99'),
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    non2xx: Number(non2xx?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** Debian's wrk (`apt-get install wrk`): keep-alive connections, latency percentiles with --latency. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const threads = options.threads ?? Math.min(options.connections, 2);
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--latency',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  return parseWrkOutput(stdout);
}
