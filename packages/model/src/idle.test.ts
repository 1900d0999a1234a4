import { describe, expect, it } from 'vitest';
import { describeIdle, formatIdle, idleStatus, idleSuspendDue, lastActive } from './idle.js';

const T0 = Date.parse('2026-11-30T08:00:00.000Z');
const min = 60_000;
const running = (activeAt: string | null, idleTimeoutMinutes = 60) =>
  ({ state: 'running', idleTimeoutMinutes, activeAt }) as const;

describe('idle rule', () => {
  it('counts from the last activity and is due exactly at the timeout', () => {
    const ws = running(new Date(T0).toISOString());
    expect(idleStatus(ws, T0 + 12 * min)).toEqual({ idleMs: 12 * min, suspendsInMs: 48 * min });
    expect(idleSuspendDue(ws, T0 + 60 * min - 1)).toBe(false);
    expect(idleSuspendDue(ws, T0 + 60 * min)).toBe(true);
    expect(idleSuspendDue(ws, T0 + 600 * min)).toBe(true);
  });

  it('never suspends with timeout 0, nor a workspace that is not running or never measured', () => {
    const at = new Date(T0).toISOString();
    expect(idleSuspendDue(running(at, 0), T0 + 10_000 * min)).toBe(false);
    expect(idleStatus(running(at, 0), T0 + min)).toEqual({ idleMs: min, suspendsInMs: undefined });
    expect(idleSuspendDue({ state: 'suspended', idleTimeoutMinutes: 1, activeAt: at }, T0 + 99 * min)).toBe(
      false,
    );
    expect(idleSuspendDue(running(null, 1), T0 + 99 * min)).toBe(false);
  });

  it('takes the later of the stored activity and the gate report', () => {
    const stored = new Date(T0).toISOString();
    // The gate saw a keystroke 2 minutes ago.
    expect(lastActive(stored, 2 * min, T0 + 30 * min)).toBe(T0 + 28 * min);
    // A gate that slept through a suspend reports a long idle; the resume (stored) wins.
    expect(lastActive(stored, 500 * min, T0 + min)).toBe(T0);
    expect(lastActive(null, 5 * min, T0)).toBe(T0 - 5 * min);
  });

  it('says it for people', () => {
    expect(formatIdle(45_000)).toBe('45 s');
    expect(formatIdle(12 * min + 59_000)).toBe('12 min');
    expect(formatIdle(125 * min)).toBe('2 h 5 min');
    expect(formatIdle(120 * min)).toBe('2 h');
    const ws = running(new Date(T0).toISOString());
    expect(describeIdle(ws, T0 + 12 * min)).toBe('idle for 12 min, suspends in 48 min');
    expect(describeIdle(running(ws.activeAt, 0), T0 + 12 * min)).toBe('idle for 12 min, never suspends');
    expect(describeIdle({ ...ws, state: 'stopped' }, T0)).toBeUndefined();
  });
});
