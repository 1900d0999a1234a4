import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMiB: number;
  os: string;
  node: string;
  caddy: string;
  /** 1-minute load average when the benchmark started: above ~0.5 means others were busy too. */
  loadAverage1m: number;
  /** QEMU processes running when the benchmark started (VM tests of other runs count as contention). */
  otherVms: number;
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty?.[1]) return `${pretty[1]} (${type()} ${release()})`;
  } catch {
    // Not Linux: fall through.
  }
  return `${type()} ${release()}`;
}

function countVms(): number {
  try {
    return Number(execFileSync('pgrep', ['-c', '-f', 'qemu-system'], { encoding: 'utf8' }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches.
  }
}

export function describeMachine(caddyBinary: string): Machine {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    os: osName(),
    node: process.version,
    caddy: execFileSync(caddyBinary, ['version'], { encoding: 'utf8' }).trim().split(/\s+/)[0] ?? 'unknown',
    loadAverage1m: loadavg()[0] ?? 0,
    otherVms: countVms(),
  };
}
