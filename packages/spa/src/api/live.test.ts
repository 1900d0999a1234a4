import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { Workspace } from './client.js';
import { applyEvent, workspaceKeys } from './live.js';

const ws = (name: string, state: Workspace['state'] = 'creating'): Workspace =>
  ({ id: `ws_${name}`, name, state, phase: 'queued', ports: [], actions: [] }) as unknown as Workspace;

describe('applyEvent', () => {
  it('keeps the list and each workspace in the cache in step with pushed changes', () => {
    const client = new QueryClient();
    applyEvent(client, { type: 'snapshot', workspaces: [ws('b')] });
    applyEvent(client, { type: 'workspace', workspace: ws('a') });
    expect(client.getQueryData<Workspace[]>(workspaceKeys.all)?.map((w) => w.name)).toEqual(['a', 'b']);
    applyEvent(client, { type: 'workspace', workspace: ws('b', 'running') });
    expect(client.getQueryData<Workspace>(workspaceKeys.one('b'))?.state).toBe('running');
    applyEvent(client, { type: 'removed', id: 'ws_b' });
    expect(client.getQueryData<Workspace[]>(workspaceKeys.all)?.map((w) => w.name)).toEqual(['a']);
    expect(client.getQueryData(workspaceKeys.one('b'))).toBeNull();
  });
});
