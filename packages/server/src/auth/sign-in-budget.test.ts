import { describe, expect, it } from 'vitest';
import { SignInBudget } from './sign-in-budget.js';

describe('the failed sign-in budget per client IP', () => {
  it('is spent after maxFailures in the window, per IP, and refills as failures leave the window', () => {
    let now = 1_000_000;
    const budget = new SignInBudget({ maxFailures: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(budget.retryAfterS('10.0.0.1')).toBe(0);
      budget.begin('10.0.0.1');
      now += 10_000;
    }
    // Failures at 0 s, 10 s, 20 s; now 30 s: the first leaves the window at 60 s.
    expect(budget.retryAfterS('10.0.0.1')).toBe(30);
    expect(budget.retryAfterS('10.0.0.2')).toBe(0);
    now += 30_001;
    expect(budget.retryAfterS('10.0.0.1')).toBe(0);
    budget.begin('10.0.0.1');
    // Failures at 10 s, 20 s and 60 s: the one at 10 s leaves the window at 70 s.
    expect(budget.retryAfterS('10.0.0.1')).toBe(10);
  });

  it('refuses a policy that would let nothing through or never forget', () => {
    expect(() => new SignInBudget({ maxFailures: 0, windowMs: 1000 })).toThrow(/at least 1/);
    expect(() => new SignInBudget({ maxFailures: 1, windowMs: 0 })).toThrow(/positive/);
  });
});
