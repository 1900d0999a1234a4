import { describe, expect, it } from 'vitest';
import type { SubrouteHandler } from '../config/types.js';
import { type WorkspaceRouteOptions, workspaceEntry } from './table-entries.js';
import { buildWorkspaceRouting } from './workspace-route.js';
import {
  entriesByWorkspace,
  findEntry,
  hasTable,
  replaceWorkspaces,
  routeOf,
  routesOf,
  sameJson,
  syncTable,
  tableOf,
  upsert,
  type WorkspaceTable,
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
  replaceWorkspaces([], entriesByWorkspace(routes), new Set());

describe('the table inside the workspace routing', () => {
  const container = buildWorkspaceRouting('c');

  it('is read back and written into a copy, leaving the original alone', () => {
    expect(hasTable(container)).toBe(true);
    expect(tableOf(container)).toEqual([]);
    const table = tableWith(alice);
    const updated = withTable(container, table);
    expect(tableOf(updated)).toEqual(table);
    expect(tableOf(container)).toEqual([]);
    expect(withTable(updated, [])).toEqual(container);
  });

  it('is missing from a subroute that buildWorkspaceRouting did not build', () => {
    const other: SubrouteHandler = { handler: 'subroute', routes: [] };
    expect(hasTable(other)).toBe(false);
    expect(() => tableOf(other)).toThrow(/has no rockpool-workspace-table table/);
  });

  it('describes one route per workspace, in table order, with its owner and ports', () => {
    expect(routesOf(tableWith(bob, alice))).toEqual([bob, alice]);
  });

  it('reads every sharing level from the port slots, and skips slots it cannot read', () => {
    const many = {
      ...alice,
      ports: [
        { port: 1, sharing: 'private' as const },
        { port: 80, sharing: 'authenticated' as const },
        { port: 65535, sharing: 'public' as const },
      ],
    };
    const entry = workspaceEntry(many);
    expect(routeOf(entry)).toEqual(many);
    const unreadable = {
      ...entry,
      outputs: [...entry.outputs.slice(0, 3), '3000:everyone', 'x', '', '', ''],
    };
    expect(routeOf(unreadable).ports).toEqual([]);
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
    expect(next[1]).toBe(table[1]);
    expect(routesOf(replaceWorkspaces(next, new Map(), new Set(['alice'])))).toEqual([bob, carol]);
    expect(routesOf(table)).toEqual([alice, bob]);
  });

  it('upsert replaces the entry with the same input or appends, and findEntry finds by input', () => {
    const table = tableWith(alice);
    const newAlice = workspaceEntry({ ...alice, ports: [] });
    const newBob = workspaceEntry(bob);
    expect(upsert(table, newAlice)).toEqual([newAlice]);
    expect(upsert(table, newBob)).toEqual([...table, newBob]);
    expect(findEntry(table, 'alice')).toBe(table[0]);
    expect(findEntry(table, 'bob')).toBeUndefined();
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
    const reordered = table.map((e) => ({ outputs: e.outputs, input: e.input, '@id': e['@id'] }));
    expect(sameJson(table, reordered)).toBe(true);
    expect(syncTable(reordered, entriesByWorkspace([alice])).table).toBeUndefined();
    expect(sameJson(table, tableWith({ ...alice, upstream: '10.0.0.1:8081' }))).toBe(false);
    // A new secret (a restarted VM), another owner, sharing level or port is a change too.
    for (const changed of [
      { ...alice, gateSecret: SECRET_B },
      { ...alice, owner: 'mallory' },
      { ...alice, ports: [{ port: 3000, sharing: 'authenticated' as const }] },
      { ...alice, ports: [{ port: 3001, sharing: 'private' as const }] },
    ])
      expect(syncTable(table, entriesByWorkspace([changed])).result.updated).toEqual(['ws.alice']);
  });

  it('replaces entries an older Rockpool wrote under old ids or in an older shape, keeping their places', () => {
    const current = tableWith(alice, bob);
    const old: WorkspaceTable = [
      { ...(current[0] as (typeof current)[0]), '@id': 'workspace-alice' },
      { '@id': 'ws.bob', input: 'bob', outputs: [bob.upstream, bob.gateSecret, bob.owner] },
    ];
    const planned = syncTable(old, entriesByWorkspace([alice, bob]));
    expect(planned.result.updated).toEqual(['ws.alice', 'ws.bob']);
    expect(planned.table).toEqual(current);
    // A single-workspace write replaces the old entry too, instead of adding a second copy.
    const put = replaceWorkspaces(old, entriesByWorkspace([alice]), new Set());
    expect(put.map((e) => e['@id'])).toEqual(['ws.alice', 'ws.bob']);
    expect(put[1]).toBe(old[1]);
  });
});
