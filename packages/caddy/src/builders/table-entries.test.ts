import { describe, expect, it } from 'vitest';
import { assertEdgeIdentity, ideEntry, portEntry, workspaceEntries } from './table-entries.js';
import { entryWorkspace } from './workspace-table.js';

const SECRET = 'a'.repeat(43);
const ide = (overrides: Partial<Parameters<typeof ideEntry>[0]> = {}) =>
  ideEntry({ name: 'a', upstream: '1.2.3.4:80', gateSecret: SECRET, owner: 'alice', ...overrides });

describe('table entries', () => {
  it('carry the route ids, the owner, the sharing level and the workspace they belong to', () => {
    const { ide, ports } = workspaceEntries({
      name: 'alice',
      upstream: '10.0.0.1:8080',
      gateSecret: SECRET,
      owner: 'alice',
      ports: [{ port: 3000 }, { port: 8000, sharing: 'public' }],
    });
    expect(ide).toEqual({ '@id': 'ws.alice', input: 'alice', outputs: ['10.0.0.1:8080', SECRET, 'alice'] });
    expect(ports).toEqual([
      { '@id': 'ws.alice.port.3000', input: 'alice/3000', outputs: ['private'] },
      { '@id': 'ws.alice.port.8000', input: 'alice/8000', outputs: ['public'] },
    ]);
    expect(entryWorkspace(ide)).toBe('alice');
    expect(entryWorkspace(ports[0] as (typeof ports)[0])).toBe('alice');
  });

  it('refuse upstreams and secrets Caddy would read as placeholders, and bad names or ports', () => {
    expect(ide({ upstream: 'unix//run/a.sock' }).outputs).toEqual(['unix//run/a.sock', SECRET, 'alice']);
    expect(() => ide({ upstream: '{env.HOME}:80' })).toThrow(/invalid upstream/);
    expect(() => ide({ upstream: 'host 1:80' })).toThrow(/invalid upstream/);
    expect(() => ide({ name: 'A_b' })).toThrow();
    expect(() => portEntry({ workspace: 'a', port: 0 })).toThrow();
  });

  it('refuse an owner that is empty, or that Caddy would expand into someone else', () => {
    expect(ide({ owner: 'github.com/alice' }).outputs[2]).toBe('github.com/alice');
    for (const owner of ['', '{http.auth.user.id}', 'a b', 'x'.repeat(257)])
      expect(() => ide({ owner })).toThrow(/invalid owner/);
    expect(() => assertEdgeIdentity('{x}', 'admin')).toThrow(/invalid admin/);
  });

  it('refuse a sharing level that is not one of the three', () => {
    expect(() => portEntry({ workspace: 'a', port: 3000, sharing: 'everyone' as never })).toThrow(
      /invalid sharing "everyone"/,
    );
  });

  it('refuse a gate secret that is short or not base64url, without echoing it', () => {
    for (const secret of ['', 'a'.repeat(42), `{env.HOME}${'a'.repeat(40)}`, `${'a'.repeat(42)} `]) {
      const error = (() => {
        try {
          ide({ gateSecret: secret });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error?.message).toMatch(/invalid gate secret/);
      if (secret) expect(error?.message).not.toContain(secret);
    }
  });
});
