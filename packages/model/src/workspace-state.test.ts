import { describe, expect, it } from 'vitest';
import { allowedActions, TRANSITIONS, WORKSPACE_STATES, whyNot } from './workspace-state.js';

const ALLOWED = [
  ['creating', ['delete']],
  ['starting', ['delete']],
  ['running', ['suspend', 'stop', 'delete']],
  ['stopping', ['delete']],
  ['stopped', ['start', 'delete']],
  ['suspending', ['delete']],
  ['suspended', ['start', 'stop', 'delete']],
  ['deleting', []],
  ['error', ['start', 'stop', 'delete']],
] as const;

describe('allowedActions', () => {
  it.each(ALLOWED)('a %s workspace allows %j', (state, actions) => {
    expect(allowedActions(state)).toEqual(actions);
  });

  it('has a row above for every state', () => {
    expect(ALLOWED.map(([state]) => state)).toEqual([...WORKSPACE_STATES]);
  });

  it('never moves a workspace to a state outside the list', () => {
    for (const transition of Object.values(TRANSITIONS)) expect(WORKSPACE_STATES).toContain(transition.to);
  });
});

describe('whyNot', () => {
  it('names the states an action works from, and what to do', () => {
    expect(whyNot('stop', 'creating')).toBe(
      'Cannot stop a workspace that is creating; stop works from: running, suspended, error. Wait for it to finish.',
    );
    expect(whyNot('start', 'deleting')).toMatch(/It is being deleted\.$/);
    expect(whyNot('start', 'running')).toMatch(/start works from: stopped, suspended, error\.$/);
    expect(whyNot('suspend', 'stopped')).toBe(
      'Cannot suspend a workspace that is stopped; suspend works from: running.',
    );
    expect(whyNot('start', 'suspending')).toMatch(/Wait for it to finish\.$/);
  });
});
