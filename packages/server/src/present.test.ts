import type { ForwardedPort } from '@rockpool/db';
import type { WorkspaceAddressing } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import { presentWorkspace } from './present.js';
import type { WorkspaceWithPorts } from './service.js';

const port: ForwardedPort = {
  workspaceId: 'w1',
  port: 3000,
  createdAt: '2026-12-01T00:00:00.000Z',
  listening: true,
  sharing: 'private',
};
const workspace = {
  id: 'w1',
  name: 'alice',
  state: 'running',
  ports: [port],
} as unknown as WorkspaceWithPorts;

describe('presentWorkspace', () => {
  it('puts the IDE and its ports under the one origin in path mode', () => {
    const shown = presentWorkspace({ mode: 'path', origin: 'http://localhost:8081' }, workspace);
    expect(shown.ideUrl).toBe('http://localhost:8081/workspace/alice/');
    expect(shown.ports.map((p) => p.url)).toEqual(['http://localhost:8081/workspace/alice/port/3000/']);
  });

  it('gives the IDE and each port a host of its own in subdomain mode', () => {
    const addressing: WorkspaceAddressing = {
      mode: 'subdomain',
      scheme: 'http',
      domain: 'ws.rockpool.localhost',
      port: 8081,
    };
    const shown = presentWorkspace(addressing, workspace);
    expect(shown.ideUrl).toBe('http://alice.ws.rockpool.localhost:8081/');
    expect(shown.ports.map((p) => p.url)).toEqual(['http://3000--alice.ws.rockpool.localhost:8081/']);
  });
});
