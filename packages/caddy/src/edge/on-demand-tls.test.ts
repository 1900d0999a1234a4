import { describe, expect, it } from 'vitest';
import { buildBootstrapConfig } from '../builders/bootstrap.js';
import { buildPasswordAuth } from '../builders/edge-auth.js';
import type { EdgeSecurityOptions } from './edge-security.js';
import { resolveEdgeSecurity } from './edge-security.js';
import { TLS_ASK_SERVER } from './on-demand-tls.js';

const TOKEN = 'a1'.repeat(32);
const ask = { listen: '127.0.0.1:40123', token: TOKEN };
const acme = { mode: 'acme' as const, domain: 'rockpool.example.com', email: 'ops@example.com' };

function render(edge: EdgeSecurityOptions) {
  return buildBootstrapConfig({
    adminListen: 'unix//tmp/admin.sock',
    controlPlaneListen: '0.0.0.0:443',
    workspacesListen: '0.0.0.0:8443',
    controlPlaneUpstream: 'unix//data/server.sock',
    auth: buildPasswordAuth({
      accounts: [{ username: 'alice', passwordHash: `$2a$04$${'x'.repeat(53)}` }],
      signingKey: 'k'.repeat(48),
    }),
    edge: { httpRedirectListen: '0.0.0.0:80', ...edge },
  });
}

describe('TLS for workspace hosts', () => {
  it('acme: the control plane keeps its certificate; workspace hosts get theirs on demand, after the ask', () => {
    const config = render({
      tls: acme,
      access: { mode: 'all' },
      workspaceDomain: 'ws.example.com',
      tlsAsk: ask,
    });
    const issuer = { module: 'acme', email: 'ops@example.com' };
    expect(config.apps.tls).toEqual({
      certificates: { automate: ['rockpool.example.com'] },
      automation: {
        policies: [
          { subjects: ['rockpool.example.com'], issuers: [issuer] },
          { subjects: ['*.ws.example.com'], issuers: [issuer], on_demand: true },
        ],
        on_demand: {
          permission: { module: 'http', endpoint: `http://127.0.0.1:40123/internal/tls-ask/${TOKEN}` },
        },
      },
    });
    expect(config.apps.http.servers[TLS_ASK_SERVER]).toEqual({
      listen: ['127.0.0.1:40123'],
      routes: [
        {
          '@id': 'rockpool-tls-ask',
          match: [{ method: ['GET'], path: [`/internal/tls-ask/${TOKEN}`] }],
          handle: [
            {
              handler: 'reverse_proxy',
              upstreams: [{ dial: 'unix//data/server.sock' }],
              headers: { request: { set: { 'X-Rockpool-Workspace-Domain': ['ws.example.com'] } } },
            },
          ],
          terminal: true,
        },
        expect.objectContaining({ handle: [expect.objectContaining({ status_code: 404 })] }),
      ],
      automatic_https: { disable: true },
    });
  });

  it('acme without a workspace domain: no on-demand policy and no ask server', () => {
    const config = render({ tls: acme, access: { mode: 'all' } });
    expect(config.apps.tls?.automation).toEqual({
      policies: [
        { subjects: ['rockpool.example.com'], issuers: [{ module: 'acme', email: 'ops@example.com' }] },
      ],
    });
    expect(config.apps.http.servers[TLS_ASK_SERVER]).toBeUndefined();
  });

  it.each(['self-signed', 'custom'] as const)(
    '%s: the one loaded certificate (its wildcard SAN checked by the CLI), nothing on demand',
    (mode) => {
      const config = render({
        tls: { mode, certFile: '/tls/server.crt', keyFile: '/tls/server.key' },
        access: { mode: 'all' },
        workspaceDomain: 'ws.example.com',
      });
      expect(config.apps.tls).toEqual({
        certificates: {
          load_files: [{ certificate: '/tls/server.crt', key: '/tls/server.key', tags: ['rockpool-server'] }],
        },
      });
      expect(config.apps.http.servers[TLS_ASK_SERVER]).toBeUndefined();
    },
  );

  it('refuses a bad workspace domain, a control-plane domain that is a workspace host, a missing or public ask', () => {
    const all = { mode: 'all' as const };
    expect(() =>
      resolveEdgeSecurity({ tls: { mode: 'off' }, access: all, workspaceDomain: 'WS..x' }),
    ).toThrow(/invalid workspace domain/);
    expect(() =>
      resolveEdgeSecurity({ tls: acme, access: all, workspaceDomain: 'example.com', tlsAsk: ask }),
    ).toThrow(/rockpool.example.com is a workspace host under example.com/);
    expect(() => resolveEdgeSecurity({ tls: acme, access: all, workspaceDomain: 'ws.example.com' })).toThrow(
      /needs the on-demand ask endpoint/,
    );
    expect(() =>
      resolveEdgeSecurity({
        tls: acme,
        access: all,
        workspaceDomain: 'ws.example.com',
        tlsAsk: { ...ask, listen: '0.0.0.0:40123' },
      }),
    ).toThrow(/loopback only/);
    expect(() =>
      resolveEdgeSecurity({
        tls: acme,
        access: all,
        workspaceDomain: 'ws.example.com',
        tlsAsk: { ...ask, token: 'short' },
      }),
    ).toThrow(/at least 32 lowercase hex/);
  });
});
