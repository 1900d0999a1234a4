import { describe, expect, it } from 'vitest';
import { median, percentile } from './stats.js';

describe('percentiles (nearest rank)', () => {
  it('picks a measured value, never an interpolated one', () => {
    const values = [5, 1, 4, 2, 3];
    expect(median(values)).toBe(3);
    expect(percentile(values, 90)).toBe(5);
    expect(percentile(values, 0)).toBe(1);
    expect(median([2, 1])).toBe(1);
  });

  it('is NaN for no values', () => {
    expect(median([])).toBeNaN();
  });
});
