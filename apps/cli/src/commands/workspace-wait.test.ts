import type { Workspace } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import { type ControlPlane, ControlPlaneError } from '../control-plane.js';
import { waitUntilSettled } from './workspace-wait.js';

/** A control plane answering GETs with `answers` in turn (an Error is thrown). */
function answering(answers: (Partial<Workspace> | Error)[]) {
  const paths: string[] = [];
  const api: ControlPlane = {
    user: 'admin',
    async request<T>(_method: string, path: string): Promise<T> {
      paths.push(path);
      const next = answers.shift();
      if (next === undefined) throw new Error('asked once too often');
      if (next instanceof Error) throw next;
      return next as T;
    },
  };
  return { api, paths };
}

const noSleep = async () => {};

describe('waitUntilSettled', () => {
  it('asks by id until no transition is under way', async () => {
    const { api, paths } = answering([{ state: 'creating' }, { state: 'starting' }, { state: 'running' }]);
    expect(await waitUntilSettled(api, 'ws_abc', noSleep)).toEqual({ state: 'running' });
    expect(paths).toEqual(Array(3).fill('/api/workspaces/ws_abc'));
  });

  it('stops at error too: the caller says why', async () => {
    const { api } = answering([{ state: 'stopping' }, { state: 'error', error: 'the VM would not stop' }]);
    expect(await waitUntilSettled(api, 'ws_abc', noSleep)).toMatchObject({ state: 'error' });
  });

  it('is deleted once the workspace answers 404', async () => {
    const { api } = answering([
      { state: 'deleting' },
      new ControlPlaneError('not_found', 404, 'No workspace ws_abc. (not_found)'),
    ]);
    expect(await waitUntilSettled(api, 'ws_abc', noSleep)).toBe('deleted');
  });

  it('passes on any other failure', async () => {
    const { api } = answering([new ControlPlaneError('not_running', 0, 'Rockpool is not running')]);
    await expect(waitUntilSettled(api, 'ws_abc', noSleep)).rejects.toThrow('Rockpool is not running');
  });
});
