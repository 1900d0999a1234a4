import { describe, expect, it } from 'vitest';
import { resolveAccess } from './access.js';
import { resolveEdgeSecurity } from './edge-security.js';
import { ipRangeProblem } from './ip-ranges.js';
import type { TlsOptions } from './tls.js';

describe('IP ranges', () => {
  it.each(['10.0.0.0/8', '192.168.1.5', '::1', '2001:db8::/32', '0.0.0.0/0'])('accepts %s', (entry) => {
    expect(ipRangeProblem(entry)).toBeUndefined();
  });
  it.each([
    '10.0.0.0/33',
    '10.0.0/8',
    '300.1.1.1',
    'example.com',
    '10.0.0.0/8/1',
    '::/129',
    '10.0.0.0/-1',
    '',
  ])('refuses %j', (entry) => {
    expect(ipRangeProblem(entry)).toBeDefined();
  });
});

describe('access modes', () => {
  it('names the invalid entry and the list it is in', () => {
    expect(() => resolveAccess({ mode: 'restrict-app', allow: ['10.0.0.0/8', '10.0.0.0/33'] })).toThrow(
      /allow list: "10.0.0.0\/33" has an invalid prefix length/,
    );
    expect(() => resolveAccess({ mode: 'all', trustedProxies: ['proxy.lan'] })).toThrow(/trusted proxies/);
  });

  it('refuses an unknown mode, a restrict mode without an allow list, mtls without TLS or a CA', () => {
    expect(() => resolveAccess({ mode: 'open' as 'all' })).toThrow(/unknown access mode "open"/);
    expect(() => resolveAccess({ mode: 'restrict-all' })).toThrow(/needs an allow list/);
    expect(() => resolveAccess({ mode: 'mtls-app' })).toThrow(/client CA/);
    expect(() =>
      resolveEdgeSecurity({ tls: { mode: 'off' }, access: { mode: 'mtls-app', clientCaFile: '/ca.crt' } }),
    ).toThrow(/needs TLS/);
  });

  it('refuses an unknown TLS mode and ACME without a domain', () => {
    const all = { mode: 'all' as const };
    expect(() => resolveEdgeSecurity({ tls: { mode: 'on' } as unknown as TlsOptions, access: all })).toThrow(
      /unknown TLS mode "on"/,
    );
    expect(() => resolveEdgeSecurity({ tls: { mode: 'acme', domain: 'not a domain' }, access: all })).toThrow(
      /needs a domain/,
    );
  });
});
