import { describe, expect, it } from 'vitest';
import { portProblem, workspaceNameProblem } from './names.js';

describe('workspaceNameProblem', () => {
  it.each(['a', 'alice', 'my-app-2', '0', 'a'.repeat(56), 'x1-y2-z3'])('accepts %s', (name) => {
    expect(workspaceNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'required'],
    ['a'.repeat(57), 'at most 56'],
    ['my--app', 'single inner hyphens'],
    ['3000--alice', 'single inner hyphens'],
    ['Alice', 'lowercase'],
    ['-alice', 'inner hyphens'],
    ['alice-', 'inner hyphens'],
    ['al_ice', 'lowercase'],
    ['al.ice', 'lowercase'],
    ['../etc', 'lowercase'],
    ['a/b', 'lowercase'],
    ['ali ce', 'lowercase'],
    ['é', 'lowercase'],
  ])('rejects %j (%s)', (name, why) => {
    expect(workspaceNameProblem(name)).toContain(why);
  });

  it('rejects non-strings', () => {
    expect(workspaceNameProblem(42)).toContain('required');
    expect(workspaceNameProblem(undefined)).toContain('required');
  });
});

describe('portProblem', () => {
  it.each([1, 80, 3000, 65535])('accepts %d', (port) => expect(portProblem(port)).toBeUndefined());
  it.each([0, -1, 65536, 3.5, Number.NaN])('rejects %d', (port) => expect(portProblem(port)).toBeDefined());
  it('rejects strings', () => expect(portProblem('3000')).toBeDefined());
});
