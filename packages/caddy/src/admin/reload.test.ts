import { describe, expect, it } from 'vitest';
import { buildBootstrapConfig } from '../builders/bootstrap.js';
import { buildPasswordAuth } from '../builders/edge-auth.js';
import { adminsOf, withAdmins } from '../builders/edge-roles.js';
import { workspaceEntry } from '../builders/table-entries.js';
import { tableOf } from '../builders/workspace-table.js';
import type { CaddyConfig, SubrouteHandler } from '../config/types.js';
import { carryWorkspaceRoutes, workspaceRoutesOf } from './reload.js';

const bootstrap = () =>
  buildBootstrapConfig({
    adminListen: 'unix//a.sock',
    controlPlaneListen: ':8080',
    workspacesListen: ':8081',
    controlPlaneUpstream: 'unix//s.sock',
    auth: buildPasswordAuth({
      accounts: [{ username: 'alice', passwordHash: `$2b$04$${'x'.repeat(53)}` }],
      signingKey: 'k'.repeat(48),
    }),
  });

/** The workspace routing subroute inside a config (changed in place). */
function container(config: CaddyConfig): SubrouteHandler {
  const walk = (value: unknown): SubrouteHandler | undefined => {
    if (!value || typeof value !== 'object') return undefined;
    if ((value as { '@id'?: string })['@id'] === 'rockpool-workspaces') return value as SubrouteHandler;
    for (const child of Object.values(value)) {
      const hit = walk(child);
      if (hit) return hit;
    }
    return undefined;
  };
  const found = walk(config);
  if (!found) throw new Error('the config has no workspace routing');
  return found;
}

const alice = {
  name: 'alice',
  upstream: '10.0.0.1:8080',
  gateSecret: 'a'.repeat(43),
  owner: 'alice',
  ports: [{ port: 3000, sharing: 'authenticated' as const }],
};

function withEntries(config: CaddyConfig, entries: unknown[]): CaddyConfig {
  const routing = container(config);
  for (const handler of routing.routes[0]?.handle ?? [])
    if (handler.handler === 'map' && handler['@id'] === 'rockpool-workspace-table')
      handler.mappings = entries as never;
  return config;
}

describe('carryWorkspaceRoutes', () => {
  it('carries the routes, their owners and sharing levels, and the edge admins into the new config', () => {
    const current = withEntries(bootstrap(), [workspaceEntry(alice)]);
    Object.assign(container(current), withAdmins(container(current), ['alice']));
    const next = carryWorkspaceRoutes(current, bootstrap());
    expect(workspaceRoutesOf(next)).toEqual([alice]);
    expect(adminsOf(container(next))).toEqual(['alice']);
  });

  it('keeps the admins a new config names (its renderer read them afresh)', () => {
    const current = bootstrap();
    Object.assign(container(current), withAdmins(container(current), ['alice']));
    const fresh = bootstrap();
    Object.assign(container(fresh), withAdmins(container(fresh), ['root']));
    expect(adminsOf(container(carryWorkspaceRoutes(current, fresh)))).toEqual(['root']);
  });

  it('leaves out the entries of an older Rockpool (no owner, no port slots), which Caddy would refuse', () => {
    const current = withEntries(bootstrap(), [
      { '@id': 'ws.old', input: 'old', outputs: ['10.0.0.2:8080', 'b'.repeat(43)] },
      { '@id': 'ws.older', input: 'older', outputs: ['10.0.0.3:8080', 'b'.repeat(43), 'alice'] },
      workspaceEntry(alice),
    ]);
    const next = carryWorkspaceRoutes(current, bootstrap());
    expect(workspaceRoutesOf(next)).toEqual([alice]);
    expect(tableOf(container(next))).toHaveLength(1);
  });

  it('carries nothing from the separate IDE and port tables of an older Rockpool', () => {
    const current = bootstrap();
    const maps = container(current).routes[0]?.handle ?? [];
    for (const handler of maps)
      if (handler.handler === 'map' && handler['@id'] === 'rockpool-workspace-table') {
        handler['@id'] = 'rockpool-workspace-ides';
        handler.mappings = [{ input: 'old', outputs: ['10.0.0.2:8080', 'b'.repeat(43), 'alice'] }] as never;
      }
    expect(workspaceRoutesOf(carryWorkspaceRoutes(current, bootstrap()))).toEqual([]);
  });
});
