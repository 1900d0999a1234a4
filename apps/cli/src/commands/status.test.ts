import { describe, expect, it } from 'vitest';
import { bootPathLines, formatStatus, runtimeLines, type Status } from './status.js';

const base: Status = {
  running: true,
  tls: 'off',
  access: 'all',
  allow: [],
  urls: {
    controlPlane: 'http://localhost:8080',
    workspaces: 'http://localhost:8081',
    ide: 'http://localhost:8081/workspace/{name}/',
  },
  routing: 'path',
  ports: { controlPlane: 8080, workspaces: 8081, http: 80 },
  workspaceRoutes: ['alice'],
};

describe('formatStatus', () => {
  it('names the running and the suspended workspaces', () => {
    const text = formatStatus({
      ...base,
      workspaces: {
        total: 3,
        byState: { running: 1, suspended: 2 },
        suspended: ['bob', 'carol'],
        idle: [{ name: 'alice', text: 'idle for 12 min, suspends in 48 min' }],
      },
    });
    expect(text).toContain(
      '  Running workspaces: 1 (alice)\n    alice: idle for 12 min, suspends in 48 min\n',
    );
    expect(text).toContain('  Suspended workspaces: 2 (bob, carol)\n');
  });

  it('says how each workspace last came up: from the guest snapshot, resumed, or a cold boot', () => {
    const text = formatStatus({
      ...base,
      workspaces: {
        total: 3,
        byState: { running: 3 },
        suspended: [],
        bootPaths: { snapshot: ['alice', 'bob'], cold: ['carol'] },
        idle: [],
      },
    });
    expect(text).toContain('  Last start:  from the guest snapshot 2 (alice, bob), cold boot 1 (carol)\n');
    expect(bootPathLines({})).toEqual([]);
  });

  it('leaves the suspended line out when the control plane did not answer', () => {
    expect(formatStatus(base)).not.toContain('Suspended');
    expect(
      formatStatus({ ...base, workspaces: { total: 0, byState: {}, suspended: [], idle: [] } }),
    ).toContain('  Suspended workspaces: 0\n');
  });
});

describe('rockpool status: the VM runtime', () => {
  it('says when tart guests are not isolated, with every warning of the worker in full', () => {
    expect(
      runtimeLines({
        runtime: 'tart',
        network: 'shared',
        warnings: ['guests are NOT isolated: x', 'lease: y'],
      }),
    ).toEqual([
      '  VM runtime:  tart, network shared NAT',
      '  New workspaces: cold boot (create from a snapshot is not available with tart)',
      '  WARNING: guests are NOT isolated: x',
      '  WARNING: lease: y',
    ]);
    expect(runtimeLines({ runtime: 'tart', network: 'softnet', warnings: [] })).toEqual([
      '  VM runtime:  tart, network softnet (guests isolated from each other)',
      '  New workspaces: cold boot (create from a snapshot is not available with tart)',
    ]);
    expect(runtimeLines(undefined)).toEqual([]);
  });
});
