import { describe, expect, it } from 'vitest';
import type { SubrouteHandler } from '../config/types.js';
import { portEntry, type WorkspaceRouteOptions } from './table-entries.js';
import { buildWorkspaceRouting } from './workspace-route.js';
import {
  entriesByWorkspace,
  groupByWorkspace,
  hasTables,
  hasWorkspace,
  replaceWorkspaces,
  routesOf,
  sameJson,
  syncTable,
  tableOf,
  upsert,
  type WorkspaceTable,
  withoutPort,
  withTable,
} from './workspace-table.js';

const SECRET_A = 'a'.repeat(43);
const SECRET_B = 'b'.repeat(43);
const alice: WorkspaceRouteOptions = {
  name: 'alice',
  upstream: '10.0.0.1:8080',
  gateSecret: SECRET_A,
  owner: 'alice',
  ports: [{ port: 3000, sharing: 'private' }],
};
const bob: WorkspaceRouteOptions = {
  name: 'bob',
  upstream: '10.0.0.2:8080',
  gateSecret: SECRET_B,
  owner: 'bob@example.com',
  ports: [],
};
const carol: WorkspaceRouteOptions = {
  name: 'carol',
  upstream: '10.0.0.3:8080',
  gateSecret: SECRET_B,
  owner: 'carol',
  ports: [],
};
const tableWith = (...routes: WorkspaceRouteOptions[]): WorkspaceTable =>
  replaceWorkspaces({ ides: [], ports: [] }, entriesByWorkspace(routes), new Set());

describe('the table inside the workspace routing', () => {
  const container = buildWorkspaceRouting('c');

  it('is read back and written into a copy, leaving the original alone', () => {
    expect(hasTables(container)).toBe(true);
    expect(tableOf(container)).toEqual({ ides: [], ports: [] });
    const table = tableWith(alice);
    const updated = withTable(container, table);
    expect(tableOf(updated)).toEqual(table);
    expect(tableOf(container)).toEqual({ ides: [], ports: [] });
    expect(withTable(updated, { ides: [], ports: [] })).toEqual(container);
  });

  it('is missing from a subroute that buildWorkspaceRouting did not build', () => {
    const other: SubrouteHandler = { handler: 'subroute', routes: [] };
    expect(hasTables(other)).toBe(false);
    expect(() => tableOf(other)).toThrow(/has no rockpool-workspace-ides table/);
  });

  it('describes one route per workspace, in IDE-table order, with its owner and ports', () => {
    expect(routesOf(tableWith(bob, alice))).toEqual([bob, alice]);
  });

  it('reads a port entry written before sharing levels as private (owner-only, as it was)', () => {
    const table = tableWith(alice);
    const old = {
      ...table,
      ports: table.ports.map((e) => ({ ...e, outputs: [e.input.split('/')[1] ?? ''] })),
    };
    expect(routesOf(old)).toEqual([alice]);
  });

  it('reads the sharing level of an entry that still has the port first', () => {
    const table = tableWith(alice);
    const old = {
      ...table,
      ports: table.ports.map((e) => ({ ...e, outputs: [e.input.split('/')[1] ?? '', ...e.outputs] })),
    };
    expect(routesOf(old)).toEqual([alice]);
  });
});

describe('table changes', () => {
  it('replace a workspace in place, append new ones and drop the gone, leaving others alone', () => {
    const table = tableWith(alice, bob);
    const movedAlice = {
      ...alice,
      upstream: '10.0.0.9:8080',
      ports: [{ port: 4000, sharing: 'public' as const }],
    };
    const next = replaceWorkspaces(table, entriesByWorkspace([movedAlice, carol]), new Set());
    expect(routesOf(next)).toEqual([movedAlice, bob, carol]);
    expect(routesOf(replaceWorkspaces(next, new Map(), new Set(['alice'])))).toEqual([bob, carol]);
    expect(routesOf(table)).toEqual([alice, bob]);
  });

  it('add, replace and remove one port', () => {
    const table = tableWith(alice);
    const same = portEntry({ workspace: 'alice', port: 3000 });
    const extra = portEntry({ workspace: 'alice', port: 5000 });
    expect(upsert(table.ports, same)).toEqual([same]);
    expect(upsert(table.ports, extra)).toEqual([...table.ports, extra]);
    expect(withoutPort(table, 'alice', 3000).ports).toEqual([]);
    expect(sameJson(withoutPort(table, 'alice', 9999), table)).toBe(true);
    expect(hasWorkspace(table, 'alice')).toBe(true);
    expect(hasWorkspace(table, 'bob')).toBe(false);
  });

  it('group entries by workspace, including ports of a workspace without an IDE entry', () => {
    const table = tableWith(alice);
    const orphan = portEntry({ workspace: 'ghost', port: 3000 });
    const groups = groupByWorkspace({ ides: table.ides, ports: [...table.ports, orphan] });
    expect([...groups.keys()]).toEqual(['alice', 'ghost']);
    expect(groups.get('ghost')).toEqual({
      ide: undefined,
      ports: new Map([['ghost/3000', orphan]]),
    });
  });
});

describe('syncTable', () => {
  it('says what it adds, updates, removes and leaves, and builds the new table', () => {
    const table = tableWith(alice, bob);
    const movedBob = { ...bob, upstream: '10.0.0.8:8080' };
    const planned = syncTable(table, entriesByWorkspace([alice, movedBob, carol]));
    expect(planned.result).toEqual({
      added: ['ws.carol'],
      updated: ['ws.bob'],
      removed: [],
      unchanged: ['ws.alice'],
    });
    expect(routesOf(planned.table as WorkspaceTable)).toEqual([alice, movedBob, carol]);
    const removal = syncTable(table, entriesByWorkspace([bob]));
    expect(removal.result.removed).toEqual(['ws.alice']);
    expect(routesOf(removal.table as WorkspaceTable)).toEqual([bob]);
  });

  it('changes nothing when the table is already right, or for workspaces it must keep', () => {
    const table = tableWith(alice, bob);
    expect(syncTable(table, entriesByWorkspace([alice, bob])).table).toBeUndefined();
    const kept = syncTable(table, entriesByWorkspace([bob]), new Set(['alice']));
    expect(kept).toEqual({
      result: { added: [], updated: [], removed: [], unchanged: ['ws.alice', 'ws.bob'] },
      table: undefined,
    });
  });

  it('compares entries as Caddy returns them: key order does not matter, values do', () => {
    const table = tableWith(alice);
    const reordered = {
      ports: table.ports,
      ides: table.ides.map((e) => ({ outputs: e.outputs, input: e.input, '@id': e['@id'] })),
    };
    expect(sameJson(table, reordered)).toBe(true);
    expect(syncTable(reordered, entriesByWorkspace([alice])).table).toBeUndefined();
    expect(sameJson(table, tableWith({ ...alice, upstream: '10.0.0.1:8081' }))).toBe(false);
    // A new secret (a restarted VM), another owner or sharing level is a change too.
    for (const changed of [
      { ...alice, gateSecret: SECRET_B },
      { ...alice, owner: 'mallory' },
      { ...alice, ports: [{ port: 3000, sharing: 'authenticated' as const }] },
    ])
      expect(syncTable(table, entriesByWorkspace([changed])).result.updated).toEqual(['ws.alice']);
  });

  it('replaces entries an older Rockpool wrote under the old ids, keeping their places', () => {
    const current = tableWith(alice, bob);
    const old: WorkspaceTable = {
      ides: current.ides.map((e) => ({ ...e, '@id': `workspace-${e.input}` })),
      ports: current.ports.map((e) => ({ ...e, '@id': `workspace-${e.input.replace('/', '-port-')}` })),
    };
    const planned = syncTable(old, entriesByWorkspace([alice, bob]));
    expect(planned.result.updated).toEqual(['ws.alice', 'ws.bob']);
    expect(planned.table).toEqual(current);
    // A single-workspace write replaces the old entries too, instead of adding a second copy.
    const put = replaceWorkspaces(old, entriesByWorkspace([alice]), new Set());
    expect(put.ides.map((e) => e['@id'])).toEqual(['ws.alice', 'workspace-bob']);
    expect(put.ports.filter((e) => e.input.startsWith('alice/')).map((e) => e['@id'])).toEqual(
      current.ports.filter((e) => e.input.startsWith('alice/')).map((e) => e['@id']),
    );
    expect(withoutPort(old, 'alice', 3000).ports.some((e) => e.input === 'alice/3000')).toBe(false);
    expect(hasWorkspace(old, 'bob')).toBe(true);
  });
});
