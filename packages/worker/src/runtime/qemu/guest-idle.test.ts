import { describe, expect, it } from 'vitest';
import { cpuBusyFraction } from './guest-idle.js';

describe('cpuBusyFraction', () => {
  const stat = (user: number, system: number, idle: number, iowait = 0) =>
    `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1\n`;

  it('is the busy share of the time between two readings (iowait counts as idle)', () => {
    expect(cpuBusyFraction(stat(100, 50, 1000), stat(100, 50, 1200))).toBe(0);
    expect(cpuBusyFraction(stat(100, 50, 1000), stat(150, 100, 1100))).toBeCloseTo(0.5);
    expect(cpuBusyFraction(stat(0, 0, 0, 0), stat(10, 0, 80, 10))).toBeCloseTo(0.1);
    // No time passed: nothing was busy.
    expect(cpuBusyFraction(stat(1, 1, 1), stat(1, 1, 1))).toBe(0);
  });

  it('refuses what is not /proc/stat', () => {
    expect(() => cpuBusyFraction('intr 1', stat(1, 1, 1))).toThrow(/not a \/proc\/stat cpu line/);
  });
});
