import { isWorkspaceName } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import { buildBootstrapConfig, WORKSPACES_CONTAINER_ID } from './builders/bootstrap.js';
import { buildPasswordAuth } from './builders/edge-auth.js';
import { withAdmins } from './builders/edge-roles.js';
import { workspaceEntry } from './builders/table-entries.js';
import { entriesByWorkspace, replaceWorkspaces, withTable } from './builders/workspace-table.js';
import type { SubrouteHandler } from './config/types.js';
import { workspaceRouteId } from './route-ids.js';

type RouteObject = { name: string; port?: number };
/** How ids are made; `port` is undefined when ports have no ids of their own (today's scheme). */
type IdScheme = { workspace: (name: string) => string; port?: (name: string, port: number) => string };

/**
 * Every valid name made of up to three of these pieces: the pieces are chosen so that a name can
 * spell another object's id (`a-port-3000`, `ws`, `port`), which is where schemes go wrong.
 */
const PIECES = ['a', 'b', '0', '-', 'port', '3000', '-port-', 'ws', 'workspace-', '80'];
function generatedNames(): string[] {
  const names = new Set<string>();
  const grow = (prefix: string, depth: number) => {
    if (isWorkspaceName(prefix)) names.add(prefix);
    if (depth === 0) return;
    for (const piece of PIECES) grow(prefix + piece, depth - 1);
  };
  grow('', 3);
  return [...names];
}
const PORTS = [1, 80, 3000, 8080, 65535];

/** Two different objects that get the same id under `scheme`, or undefined when there are none. */
function firstCollision(scheme: IdScheme): [RouteObject, RouteObject, string] | undefined {
  const seen = new Map<string, RouteObject>();
  for (const name of generatedNames()) {
    const portIds = scheme.port;
    const objects: RouteObject[] = [{ name }, ...(portIds ? PORTS.map((port) => ({ name, port })) : [])];
    for (const object of objects) {
      const id = object.port === undefined || !portIds ? scheme.workspace(name) : portIds(name, object.port);
      const other = seen.get(id);
      if (other) return [other, object, id];
      seen.set(id, object);
    }
  }
  return undefined;
}

describe('route ids', () => {
  it('follow the documented scheme', () => {
    expect(workspaceRouteId('alice')).toBe('ws.alice');
  });

  it('the generator covers names that spell other ids', () => {
    const names = generatedNames();
    expect(names.length).toBeGreaterThan(500);
    expect(names).toEqual(expect.arrayContaining(['a-port-3000', 'ws', 'port', 'a', 'workspace-a']));
  });

  it('no two objects share an id, whatever the names (exhaustive over the generated names)', () => {
    expect(firstCollision({ workspace: workspaceRouteId })).toBeUndefined();
  });

  it('the same check finds the collision of the old scheme', () => {
    const old: IdScheme = {
      workspace: (name) => `workspace-${name}`,
      port: (name, port) => `workspace-${name}-port-${port}`,
    };
    expect(firstCollision(old)).toBeDefined();
  });
});

/** Every `@id` in a config, with how often it occurs. */
function idCounts(config: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const id = (value as { '@id'?: unknown })['@id'];
      if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
      Object.values(value).forEach(walk);
    }
  };
  walk(config);
  return counts;
}

describe('route ids in the whole edge config', () => {
  it('stay unique with every generated workspace, its ports at each sharing level, its owner and the same names as admins', () => {
    const config = buildBootstrapConfig({
      adminListen: 'unix//a.sock',
      controlPlaneListen: ':8080',
      workspacesListen: ':8081',
      controlPlaneUpstream: 'unix//s.sock',
      auth: buildPasswordAuth({
        accounts: [{ username: 'admin', passwordHash: `$2b$04$${'x'.repeat(53)}` }],
        signingKey: 'k'.repeat(48),
      }),
      adminIdeAccess: true,
      publicPorts: true,
    });
    const names = generatedNames();
    const sharing = ['private', 'authenticated', 'public'] as const;
    const routes = names.map((name, i) => ({
      name,
      upstream: '127.0.0.1:9000',
      gateSecret: 's'.repeat(43),
      // Owners and admins named like ids and like workspaces: none of it may become an id.
      owner: i % 2 ? name : `ws.${name}`,
      ports: PORTS.map((port, j) => ({ port, sharing: sharing[(i + j) % 3] })),
    }));
    const servers = config.apps.http.servers;
    const edge = servers.srv1?.routes.find((route) => route['@id'] === 'rockpool-workspaces-edge');
    const index = edge?.handle?.findIndex(
      (h) => h.handler === 'subroute' && h['@id'] === WORKSPACES_CONTAINER_ID,
    );
    if (!edge?.handle || index === undefined || index < 0) throw new Error('no workspace routing in srv1');
    const table = replaceWorkspaces([], entriesByWorkspace(routes), new Set());
    const admins = [...names, ...names.map((n) => `ws.${n}`), 'rockpool-workspaces', 'rockpool-edge-roles'];
    edge.handle[index] = withAdmins(withTable(edge.handle[index] as SubrouteHandler, table), admins);

    const counts = idCounts(config);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    // Each workspace is addressable by exactly the id the scheme gives it, its ports in its entry.
    expect(counts.size).toBeGreaterThan(names.length);
    for (const route of routes.slice(0, 50)) {
      const entry = workspaceEntry(route);
      expect(counts.get(entry['@id'] ?? '')).toBe(1);
      expect(entry.outputs.slice(3)).toHaveLength(PORTS.length);
    }
  });
});
