import { describe, expect, it } from 'vitest';
import { formatBytes } from './ui.js';

describe('formatBytes', () => {
  it.each([
    [null, '—'],
    [0, '0 bytes'],
    [999, '999 bytes'],
    [1_500, '1.5 KB'],
    [134_114_981, '134 MB'],
    [2_147_483_648, '2.1 GB'],
  ])('%j → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
