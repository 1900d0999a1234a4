import { describe, expect, it } from 'vitest';
import { VerifiedPasswords } from './verified-passwords.js';

describe('recently verified passwords', () => {
  it('remembers a password for its user and hash until the time is up', () => {
    let now = 0;
    const verified = new VerifiedPasswords({ ttlMs: 1000, now: () => now });
    verified.remember('alice', '$2b$hash-1', 'secret');
    expect(verified.has('alice', '$2b$hash-1', 'secret')).toBe(true);
    expect(verified.has('alice', '$2b$hash-1', 'secret!')).toBe(false);
    expect(verified.has('bob', '$2b$hash-1', 'secret')).toBe(false);
    // A new password hash (the password changed, or the user was re-added) matches nothing old.
    expect(verified.has('alice', '$2b$hash-2', 'secret')).toBe(false);
    now = 1000;
    expect(verified.has('alice', '$2b$hash-1', 'secret')).toBe(false);
  });

  it('forgets the oldest entry beyond its size', () => {
    const verified = new VerifiedPasswords({ maxEntries: 2 });
    for (const user of ['a', 'b', 'c']) verified.remember(user, 'h', 'p');
    expect(['a', 'b', 'c'].map((user) => verified.has(user, 'h', 'p'))).toEqual([false, true, true]);
  });
});
