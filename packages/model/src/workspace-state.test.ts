import { describe, expect, it } from 'vitest';
import { allowedActions, TRANSITIONS, WORKSPACE_STATES, whyNot } from './workspace-state.js';

describe('allowedActions', () => {
  it.each([
    ['creating', ['delete']],
    ['starting', ['delete']],
    ['running', ['stop', 'delete']],
    ['stopping', ['delete']],
    ['stopped', ['start', 'delete']],
    ['deleting', []],
    ['error', ['start', 'stop', 'delete']],
  ] as const)('a %s workspace allows %j', (state, actions) => {
    expect(allowedActions(state)).toEqual(actions);
  });

  it('never moves a workspace to a state outside the list', () => {
    for (const transition of Object.values(TRANSITIONS)) expect(WORKSPACE_STATES).toContain(transition.to);
  });
});

describe('whyNot', () => {
  it('names the states an action works from, and what to do', () => {
    expect(whyNot('stop', 'creating')).toBe(
      'Cannot stop a workspace that is creating; stop works from: running, error. Wait for it to finish.',
    );
    expect(whyNot('start', 'deleting')).toMatch(/It is being deleted\.$/);
    expect(whyNot('start', 'running')).toMatch(/start works from: stopped, error\.$/);
  });
});
