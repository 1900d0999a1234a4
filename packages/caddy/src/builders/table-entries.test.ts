import { describe, expect, it } from 'vitest';
import { assertEdgeIdentity, parsePortSlot, portSlot, workspaceEntry } from './table-entries.js';

const SECRET = 'a'.repeat(43);
const ide = (overrides: Partial<Parameters<typeof workspaceEntry>[0]> = {}) =>
  workspaceEntry({ name: 'a', upstream: '1.2.3.4:80', gateSecret: SECRET, owner: 'alice', ...overrides });
const EMPTY_SLOTS = ['', '', '', '', ''];

describe('table entries', () => {
  it('carry the route id, the owner, and a slot per port with its sharing level', () => {
    const entry = workspaceEntry({
      name: 'alice',
      upstream: '10.0.0.1:8080',
      gateSecret: SECRET,
      owner: 'alice',
      ports: [{ port: 3000 }, { port: 8000, sharing: 'public' }],
    });
    expect(entry).toEqual({
      '@id': 'ws.alice',
      input: 'alice',
      outputs: ['10.0.0.1:8080', SECRET, 'alice', '3000:private', '8000:public', '', '', ''],
    });
    expect(parsePortSlot(portSlot(8000, 'authenticated'))).toEqual({ port: 8000, sharing: 'authenticated' });
    for (const slot of ['', '3000', '3000:', ':private', '3000:everyone', '123456:private'])
      expect(parsePortSlot(slot)).toBeUndefined();
  });

  it('refuse a sixth port and a port listed twice', () => {
    const five = [1, 2, 3, 4, 5].map((port) => ({ port }));
    expect(ide({ ports: five }).outputs.slice(3)).toEqual([
      '1:private',
      '2:private',
      '3:private',
      '4:private',
      '5:private',
    ]);
    expect(() => ide({ ports: [...five, { port: 6 }] })).toThrow(/6 ports: at most 5/);
    expect(() => ide({ ports: [{ port: 3000 }, { port: 3000, sharing: 'public' }] })).toThrow(
      /port 3000 twice/,
    );
  });

  it('refuse upstreams and secrets Caddy would read as placeholders, and bad names or ports', () => {
    expect(ide({ upstream: 'unix//run/a.sock' }).outputs).toEqual([
      'unix//run/a.sock',
      SECRET,
      'alice',
      ...EMPTY_SLOTS,
    ]);
    expect(() => ide({ upstream: '{env.HOME}:80' })).toThrow(/invalid upstream/);
    expect(() => ide({ upstream: 'host 1:80' })).toThrow(/invalid upstream/);
    expect(() => ide({ name: 'A_b' })).toThrow();
    expect(() => ide({ ports: [{ port: 0 }] })).toThrow();
  });

  it('refuse an owner that is empty, or that Caddy would expand into someone else', () => {
    expect(ide({ owner: 'github.com/alice' }).outputs[2]).toBe('github.com/alice');
    for (const owner of ['', '{http.auth.user.id}', 'a b', 'x'.repeat(257)])
      expect(() => ide({ owner })).toThrow(/invalid owner/);
    expect(() => assertEdgeIdentity('{x}', 'admin')).toThrow(/invalid admin/);
  });

  it('refuse a sharing level that is not one of the three', () => {
    expect(() => ide({ ports: [{ port: 3000, sharing: 'everyone' as never }] })).toThrow(
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
