import { describe, expect, it } from 'vitest';
import { SyncBackoff } from './sync-backoff.js';

describe('SyncBackoff', () => {
  it('reports each distinct failure once, doubles the wait while it lasts, and reports the recovery', () => {
    let now = 0;
    const backoff = new SyncBackoff(() => now, 1_000, 4_000);
    expect(backoff.due()).toBe(true);
    expect(backoff.failed('refused')).toBe(true);
    expect(backoff.due()).toBe(false);
    now = 1_000;
    expect(backoff.due()).toBe(true);
    expect(backoff.failed('refused')).toBe(false);
    now = 2_999;
    expect(backoff.due()).toBe(false);
    now = 3_000;
    expect(backoff.failed('refused')).toBe(false);
    now = 6_999;
    expect(backoff.due()).toBe(false);
    now = 7_000;
    // Capped at the maximum.
    expect(backoff.failed('refused')).toBe(false);
    now = 11_000;
    expect(backoff.due()).toBe(true);
    expect(backoff.failed('unreachable')).toBe(true);
    now = 12_000;
    expect(backoff.succeeded()).toBe('unreachable');
    expect(backoff.succeeded()).toBeUndefined();
    expect(backoff.due()).toBe(true);
  });
});
