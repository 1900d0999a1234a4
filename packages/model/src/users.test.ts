import { describe, expect, it } from 'vitest';
import { isUserRole, passwordProblem, userNameProblem } from './users.js';

describe('user names, roles and passwords', () => {
  it('accepts basic-auth names and refuses what could pose as another identity', () => {
    for (const name of ['alice', 'Bob.Smith', 'a_b-c@example.org', '0'])
      expect(userNameProblem(name)).toBeUndefined();
    for (const name of ['', 'github.com/alice', 'a:b', '-a', 'a b', 'x'.repeat(65), 42])
      expect(userNameProblem(name)).toBeDefined();
  });

  it('knows the two roles', () => {
    expect(isUserRole('admin')).toBe(true);
    expect(isUserRole('member')).toBe(true);
    expect(isUserRole('owner')).toBe(false);
  });

  it('refuses passwords bcrypt would shorten or that are too short', () => {
    expect(passwordProblem('long enough')).toBeUndefined();
    expect(passwordProblem('short')).toMatch(/at least 8/);
    expect(passwordProblem('é'.repeat(37))).toMatch(/72 bytes/);
  });
});
