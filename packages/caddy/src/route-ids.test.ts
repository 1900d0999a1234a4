import { isWorkspaceName } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import { portRouteId, workspaceRouteId } from './route-ids.js';

type RouteObject = { name: string; port?: number };
type IdScheme = { workspace: (name: string) => string; port: (name: string, port: number) => string };

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
    const objects: RouteObject[] = [{ name }, ...PORTS.map((port) => ({ name, port }))];
    for (const object of objects) {
      const id = object.port === undefined ? scheme.workspace(name) : scheme.port(name, object.port);
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
    expect(portRouteId('alice', 3000)).toBe('ws.alice.port.3000');
  });

  it('the generator covers names that spell other ids', () => {
    const names = generatedNames();
    expect(names.length).toBeGreaterThan(500);
    expect(names).toEqual(expect.arrayContaining(['a-port-3000', 'ws', 'port', 'a', 'workspace-a']));
  });

  it('no two objects share an id, whatever the names (exhaustive over the generated names)', () => {
    expect(firstCollision({ workspace: workspaceRouteId, port: portRouteId })).toBeUndefined();
  });

  it('the same check finds the collision of the old scheme', () => {
    const old: IdScheme = {
      workspace: (name) => `workspace-${name}`,
      port: (name, port) => `workspace-${name}-port-${port}`,
    };
    expect(firstCollision(old)).toBeDefined();
  });
});
