import type { RoutingMode } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import type { ReverseProxyHandler } from '../config/types.js';
import { checkPasswordAccounts, hashPassword, verifyPassword } from './basic-auth.js';
import { buildBootstrapConfig } from './bootstrap.js';
import { buildPasswordAuth } from './edge-auth.js';
import { buildOAuthAuth } from './oauth.js';
import { resolveRateLimits } from './rate-limit.js';
import { exactRawPath } from './raw-path.js';
import { sessionCheck } from './session.js';
import { workspaceEntry } from './table-entries.js';
import { resolveRoutingMode, workspaceHostPatterns } from './workspace-addressing.js';
import { buildWorkspaceRouting } from './workspace-route.js';

// A fixed hash keeps the golden files stable (it is the bcrypt of "secret" at cost 4).
const HASH = '$2b$04$Dg8MFcBRua3DenknsVLwGON9YJ.1HLZQWd.uxNrsBNra4iHoVilaK';

const bootstrapOptions = {
  adminListen: 'unix//var/lib/rockpool/caddy/admin.sock',
  controlPlaneListen: ':8080',
  workspacesListen: ':8081',
  controlPlaneUpstream: 'unix//var/lib/rockpool/server.sock',
  workspacesOrigin: 'http://localhost:8081',
  auth: buildPasswordAuth({
    accounts: [{ username: 'admin', passwordHash: HASH }],
    signingKey: 'k'.repeat(48),
    signInUrl: 'http://localhost:8080/auth/',
  }),
};

const golden = (name: string, value: unknown) =>
  expect(`${JSON.stringify(value, null, 2)}\n`).toMatchFileSnapshot(`./__golden__/${name}.json`);

describe('golden configs', () => {
  it('bootstrap (password sign-in, default rate limits)', async () => {
    await golden('bootstrap-basic', buildBootstrapConfig(bootstrapOptions));
  });

  it('bootstrap with GitHub OAuth through caddy-security', async () => {
    const auth = buildOAuthAuth({
      provider: { kind: 'github', clientId: 'client-id', clientSecret: 'client-secret' },
      signingKey: 'k'.repeat(48),
      allow: { users: ['octocat'], orgs: ['rockpool-dev'] },
      portalUrl: 'https://rockpool.example.com/auth/',
    });
    await golden('bootstrap-github-oauth', buildBootstrapConfig({ ...bootstrapOptions, auth }));
  });

  it('bootstrap with ACME TLS, restrict-app behind a proxy and the HTTP redirect', async () => {
    await golden(
      'bootstrap-acme-restrict-app',
      buildBootstrapConfig({
        ...bootstrapOptions,
        controlPlaneListen: ':443',
        workspacesListen: ':8443',
        workspacesOrigin: 'https://dev.example.com:8443',
        edge: {
          tls: { mode: 'acme', domain: 'dev.example.com', email: 'ops@example.com' },
          access: {
            mode: 'restrict-app',
            allow: ['10.0.0.0/8', '192.168.1.5'],
            trustedProxies: ['10.0.0.1'],
          },
          httpRedirectListen: ':80',
        },
      }),
    );
  });

  it('bootstrap with access logs shipped to the control plane', async () => {
    await golden(
      'bootstrap-access-logs',
      buildBootstrapConfig({ ...bootstrapOptions, accessLogSocket: '/var/lib/rockpool/access-log.sock' }),
    );
  });

  it('bootstrap with admin IDE access and public ports allowed', async () => {
    await golden(
      'bootstrap-admin-ide-access-public-ports',
      buildBootstrapConfig({ ...bootstrapOptions, adminIdeAccess: true, publicPorts: true }),
    );
  });

  it('bootstrap of rockpool dev: the dashboard from Vite, with its CSP', async () => {
    await golden(
      'bootstrap-dashboard-dev',
      buildBootstrapConfig({
        ...bootstrapOptions,
        dashboardDevServer: { upstream: '127.0.0.1:5173', contentSecurityPolicy: "default-src 'self'" },
      }),
    );
  });

  it('bootstrap in subdomain mode (the default with a workspace domain), admin IDE access and public ports', async () => {
    await golden(
      'bootstrap-subdomain',
      buildBootstrapConfig({
        ...bootstrapOptions,
        edge: { tls: { mode: 'off' }, access: { mode: 'all' }, workspaceDomain: 'ws.rockpool.example.com' },
        adminIdeAccess: true,
        publicPorts: true,
      }),
    );
  });

  it('workspace routing with one workspace and a port', async () => {
    const alice = workspaceEntry({
      name: 'alice',
      upstream: '127.0.0.1:41000',
      gateSecret: 'golden-gate-secret-not-a-real-one-0123456789',
      owner: 'alice',
      ports: [{ port: 3000 }, { port: 8000, sharing: 'authenticated' }],
    });
    await golden(
      'workspace-routing',
      buildWorkspaceRouting('rockpool-workspaces', {
        table: [alice],
        admins: ['admin'],
      }),
    );
  });

  it('workspace routing with admin IDE access and public ports allowed', async () => {
    await golden(
      'workspace-routing-admin-public',
      buildWorkspaceRouting('rockpool-workspaces', {
        adminIdeAccess: true,
        publicPorts: true,
        signIn: [sessionCheck('workspaces')],
      }),
    );
  });
});

describe('builders', () => {
  it('hash and verify passwords with bcrypt', async () => {
    const hash = await hashPassword('s3cret!', 4);
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await verifyPassword('s3cret!', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
  });

  it('refuse passwords bcrypt would truncate, and empty ones', async () => {
    await expect(hashPassword('x'.repeat(73), 4)).rejects.toThrow(/72 bytes/);
    await expect(hashPassword('', 4)).rejects.toThrow(/empty/);
  });

  it('refuse a plain password where a hash belongs', () => {
    expect(() => checkPasswordAccounts([{ username: 'a', passwordHash: 'plain' }])).toThrow(/bcrypt hash/);
    expect(() => checkPasswordAccounts([])).toThrow(/at least one/);
    expect(() =>
      checkPasswordAccounts([
        { username: 'a', passwordHash: HASH },
        { username: 'a', passwordHash: HASH },
      ]),
    ).toThrow(/duplicate/);
  });

  it('validate rate limits', () => {
    expect(() => resolveRateLimits({ apiWrite: [{ window: '1m', maxEvents: 0 }] })).toThrow(
      /positive integer/,
    );
    expect(() => resolveRateLimits({ apiWrite: [{ window: 'soon', maxEvents: 1 }] })).toThrow(/duration/);
    expect(() => resolveRateLimits({ apiWrite: [{ window: '0s', maxEvents: 1 }] })).toThrow(/duration/);
    expect(resolveRateLimits().apiWrite).toEqual([
      { window: '1m', maxEvents: 10 },
      { window: '1h', maxEvents: 100 },
      { window: '24h', maxEvents: 300 },
    ]);
  });

  it('GitHub OAuth: env credentials, the github callback realm, users and orgs allowed, the explicit key', () => {
    const auth = buildOAuthAuth({
      provider: { kind: 'github', clientId: 'the-client-id', clientSecret: 'the-secret' },
      signingKey: 's'.repeat(40),
      allow: { users: ['octocat'], orgs: ['rock.pool'] },
    });
    if (auth.kind !== 'portal') throw new Error('expected the caddy-security portal');
    const { identity_providers, authentication_portals, authorization_policies } = auth.app.config;
    // The portal serves /auth/oauth2/{realm}/authorization-code-callback: realm github gives the
    // callback URL to register at GitHub.
    expect(identity_providers).toEqual([
      {
        name: 'github',
        kind: 'oauth',
        params: {
          driver: 'github',
          realm: 'github',
          client_id: 'the-client-id',
          client_secret: 'the-secret',
          scopes: ['read:user', 'read:org'],
          user_org_filters: ['^rock\\.pool$'],
        },
      },
    ]);
    const portal = authentication_portals?.[0];
    expect(portal?.user_transformer_configs).toEqual([
      {
        matchers: ['exact match realm github', 'exact match sub github.com/octocat'],
        actions: ['action add role rockpool/user'],
      },
      {
        matchers: ['exact match realm github', 'exact match roles github.com/rock.pool/members'],
        actions: ['action add role rockpool/user'],
      },
    ]);
    expect(portal?.cookie_config).toEqual({ same_site: 'lax', strip_domain_enabled: true });
    for (const keys of [
      portal?.crypto_key_configs,
      ...(authorization_policies ?? []).map((p) => p.crypto_key_configs),
    ])
      expect(keys?.[0]).toMatchObject({ token_secret: 's'.repeat(40), token_name: 'access_token' });
    expect(
      authorization_policies?.map((p) => [p.name, p.user_identity_field, p.disable_auth_redirect]),
    ).toEqual([
      ['rockpool-session', 'sub', undefined],
      ['rockpool-session-workspaces', 'sub', true],
      ['rockpool-session-api', 'sub', true],
    ]);
    expect(authorization_policies?.[0]?.access_list_rules).toEqual([
      { conditions: ['match roles rockpool/user'], action: 'allow log debug' },
    ]);
    // Users only: no org look-up, no read:org.
    const usersOnly = buildOAuthAuth({
      provider: { kind: 'github', clientId: 'id', clientSecret: 'secret' },
      signingKey: 's'.repeat(40),
      allow: { users: ['octocat'] },
    });
    if (usersOnly.kind !== 'portal') throw new Error('expected the caddy-security portal');
    expect(usersOnly.app.config.identity_providers?.[0]?.params).not.toHaveProperty('user_org_filters');
    expect(usersOnly.app.config.identity_providers?.[0]?.params.scopes).toEqual(['read:user']);
  });

  it('strips the OAuth session cookie, keeping the others, and the identity header before workspace upstreams', () => {
    const route = JSON.stringify(buildWorkspaceRouting('rockpool-workspaces'));
    expect(route).toContain(
      '"search_regexp":"^(?:\\\\s*access_token=[^;]*(?:;\\\\s*|$))+|;\\\\s*access_token=[^;]*","replace":""',
    );
    expect(route).toContain('"delete":["Authorization","Proxy-Authorization","X-Rockpool-User"');
  });

  it('sets the gate headers on every workspace proxy, replacing what a client sent', () => {
    const proxies: ReverseProxyHandler[] = [];
    const walk = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return;
      if ((value as { handler?: unknown }).handler === 'reverse_proxy')
        proxies.push(value as ReverseProxyHandler);
      for (const child of Object.values(value)) walk(child);
    };
    walk(buildWorkspaceRouting('rockpool-workspaces'));
    const [port, ide] = proxies.map((proxy) => proxy.headers?.request);
    expect(proxies).toHaveLength(2);
    for (const proxy of proxies) expect(proxy.upstreams).toEqual([{ dial: '{rockpool.gate_upstream}' }]);
    expect(port?.set).toMatchObject({
      'X-Rockpool-Gate': ['{rockpool.gate_secret}'],
      'X-Rockpool-Port': ['{http.regexp.port.1}'],
    });
    expect(port?.delete).not.toContain('X-Rockpool-Port');
    expect(ide?.set).toMatchObject({ 'X-Rockpool-Gate': ['{rockpool.gate_secret}'] });
    expect(ide?.set).not.toHaveProperty('X-Rockpool-Port');
    expect(ide?.delete).toContain('X-Rockpool-Port');
  });

  it('refuse OAuth with a relative or non-http portal URL', () => {
    const provider = { kind: 'github' as const, clientId: 'id', clientSecret: 'secret' };
    for (const portalUrl of ['/auth/', 'javascript:alert(1)'])
      expect(() =>
        buildOAuthAuth({ provider, signingKey: 'k'.repeat(48), allow: { users: ['a'] }, portalUrl }),
      ).toThrow(/absolute http/);
  });

  it('refuse OAuth without an allow list or with a short signing key', () => {
    const provider = { kind: 'github' as const, clientId: 'id', clientSecret: 'secret' };
    expect(() => buildOAuthAuth({ provider, signingKey: 'k'.repeat(48), allow: {} })).toThrow(/allow list/);
    expect(() => buildOAuthAuth({ provider, signingKey: 'short', allow: { users: ['a'] } })).toThrow(
      /32 characters/,
    );
  });

  it('match a raw path exactly only for plain paths (no regexp syntax)', () => {
    expect(exactRawPath('/api/health')).toEqual({
      path: ['/api/health'],
      vars_regexp: { '{http.request.orig_uri}': { pattern: '^/api/health(\\?|$)' } },
    });
    expect(() => exactRawPath("/a')||true||('")).toThrow(/not a plain path/);
    expect(() => exactRawPath('/a.b')).toThrow(/not a plain path/);
  });

  it('refuse invalid names and ports before Caddy sees them', () => {
    const gateSecret = 's'.repeat(43);
    const entry = (name: string, upstream: string) =>
      workspaceEntry({ name, upstream, gateSecret, owner: 'a' });
    expect(() => entry('../x', '127.0.0.1:1')).toThrow(/invalid workspace name/);
    expect(() =>
      workspaceEntry({
        name: 'a',
        upstream: '127.0.0.1:1',
        gateSecret,
        owner: 'a',
        ports: [{ port: 70000 }],
      }),
    ).toThrow(/invalid port/);
    // Caddy expands placeholders in a table's outputs: an upstream is an address and nothing else.
    for (const upstream of ['{env.HOME}:1', '127.0.0.1', 'unix//a b', ''])
      expect(() => entry('a', upstream)).toThrow(/invalid upstream/);
    expect(entry('a', 'unix//run/a.sock').outputs.slice(0, 3)).toEqual(['unix//run/a.sock', gateSecret, 'a']);
    expect(entry('a', '[::1]:8080').outputs.slice(0, 3)).toEqual(['[::1]:8080', gateSecret, 'a']);
  });
});

describe('bootstrap with edge security off', () => {
  it('leaves plain HTTP without an access route, TLS or a redirect server', () => {
    const config = buildBootstrapConfig({
      adminListen: 'unix//a.sock',
      controlPlaneListen: ':8080',
      workspacesListen: ':8081',
      controlPlaneUpstream: 'unix//s.sock',
      auth: buildPasswordAuth({
        accounts: [{ username: 'a', passwordHash: `$2b$04$${'x'.repeat(53)}` }],
        signingKey: 'k'.repeat(48),
      }),
      edge: { tls: { mode: 'off' }, access: { mode: 'all' }, httpRedirectListen: ':80' },
    });
    expect(Object.keys(config.apps.http.servers)).toEqual(['srv0', 'srv1']);
    expect(config.apps.tls).toBeUndefined();
    // First the refusal of unsafe raw paths (no @id: both servers have one), then health.
    expect(config.apps.http.servers.srv0?.routes.map((route) => route['@id'])).toEqual([
      undefined,
      'rockpool-health',
      'rockpool-sign-in',
      'rockpool-control-plane',
    ]);
  });
});

describe('what the edge tells the control plane', () => {
  /** The headers of the proxy to the control plane's API (the one that streams: flush_interval -1). */
  const proxyHeaders = (config: ReturnType<typeof buildBootstrapConfig>) => {
    const found: ReverseProxyHandler[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        const handler = value as Partial<ReverseProxyHandler>;
        if (handler.handler === 'reverse_proxy' && handler.flush_interval === -1)
          found.push(handler as ReverseProxyHandler);
        else Object.values(value).forEach(walk);
      }
    };
    walk(config.apps.http.servers.srv0);
    expect(found).toHaveLength(1);
    return { set: found[0]?.headers?.request?.set ?? {}, delete: found[0]?.headers?.request?.delete ?? [] };
  };

  it('sets the workspaces origin it was given, overwriting a client-sent one', () => {
    expect(proxyHeaders(buildBootstrapConfig(bootstrapOptions)).set).toMatchObject({
      'X-Rockpool-Workspaces-Origin': ['http://localhost:8081'],
    });
  });

  it('deletes a client-sent workspaces origin when it has none to give', () => {
    const { workspacesOrigin: _none, ...options } = bootstrapOptions;
    const headers = proxyHeaders(buildBootstrapConfig(options));
    expect(headers.set).not.toHaveProperty('X-Rockpool-Workspaces-Origin');
    expect(headers.delete).toContain('X-Rockpool-Workspaces-Origin');
  });
});

describe('routing modes', () => {
  const edge = (workspaceDomain?: string) => ({
    tls: { mode: 'off' as const },
    access: { mode: 'all' as const },
    ...(workspaceDomain ? { workspaceDomain } : {}),
  });
  const routingOf = (config: ReturnType<typeof buildBootstrapConfig>) =>
    JSON.stringify(config.apps.http.servers.srv1);

  it('default to subdomain with a workspace domain, and to path without one', () => {
    expect(routingOf(buildBootstrapConfig({ ...bootstrapOptions, edge: edge('ws.example.com') }))).toContain(
      'header_regexp',
    );
    const path = buildBootstrapConfig({ ...bootstrapOptions, edge: edge() });
    expect(routingOf(path)).not.toContain('header_regexp');
    expect(path).toEqual(buildBootstrapConfig({ ...bootstrapOptions, edge: edge(), routingMode: 'path' }));
    expect(
      routingOf(
        buildBootstrapConfig({ ...bootstrapOptions, edge: edge('ws.example.com'), routingMode: 'path' }),
      ),
    ).not.toContain('header_regexp');
  });

  it('refuse subdomain mode without a workspace domain, naming the options', () => {
    expect(() => buildBootstrapConfig({ ...bootstrapOptions, routingMode: 'subdomain' })).toThrow(RangeError);
    expect(() => buildBootstrapConfig({ ...bootstrapOptions, routingMode: 'subdomain' })).toThrow(
      /routingMode "subdomain" needs a workspace domain \(edge\.workspaceDomain/,
    );
    expect(() => resolveRoutingMode('hosts' as RoutingMode, undefined)).toThrow(/"path" or "subdomain"/);
  });

  it('match workspace and port hosts exactly, anchored at both ends', () => {
    const hosts = workspaceHostPatterns('ws.example.com');
    const name = (pattern: string, host: string) => new RegExp(pattern).exec(host)?.[1];
    expect(name(hosts.workspace, 'alice.ws.example.com')).toBe('alice');
    expect(name(hosts.workspace, 'my-app-2.ws.example.com:8443')).toBe('my-app-2');
    expect(name(hosts.workspace, '3000--my-app.ws.example.com')).toBe('my-app');
    expect(name(hosts.port, '3000--my-app.ws.example.com:8081')).toBe('3000');
    for (const host of [
      'alice.ws.example.com.evil.test',
      'x.alice.ws.example.com',
      'alice.wsxexample.com',
      'al--ice.ws.example.com',
      '-alice.ws.example.com',
      'alice.ws.example.com:',
      '{http.request.host}.ws.example.com',
    ])
      expect(name(hosts.workspace, host), host).toBeUndefined();
    for (const host of ['alice.ws.example.com', '0--alice.ws.example.com', '03000--alice.ws.example.com'])
      expect(name(hosts.port, host), host).toBeUndefined();
  });

  it('give the OAuth portal cookie the domain asked for, host-only otherwise, and require one in subdomain mode', () => {
    const oauth = (cookieDomain?: string) =>
      buildOAuthAuth({
        provider: { kind: 'github', clientId: 'id', clientSecret: 'secret' },
        signingKey: 'k'.repeat(48),
        allow: { users: ['octocat'] },
        portalUrl: 'https://rockpool.example.com/auth/',
        ...(cookieDomain ? { cookieDomain } : {}),
      });
    const cookieOf = (auth: ReturnType<typeof buildOAuthAuth>) =>
      auth.app.config.authentication_portals?.[0]?.cookie_config;
    expect(cookieOf(oauth())).toEqual({ same_site: 'lax', strip_domain_enabled: true });
    expect(cookieOf(oauth('rockpool.example.com'))).toEqual({
      same_site: 'lax',
      domains: { 'rockpool.example.com': { seq: 1, domain: 'rockpool.example.com', same_site: 'lax' } },
      strip_domain_enabled: true,
    });
    expect(() => oauth('Not A Domain')).toThrow(/cookieDomain/);
    const subdomain = { ...bootstrapOptions, edge: edge('ws.rockpool.example.com') };
    expect(() => buildBootstrapConfig({ ...subdomain, auth: oauth() })).toThrow(/cookieDomain/);
    expect(() => buildBootstrapConfig({ ...subdomain, auth: oauth('other.example.com') })).toThrow(
      /cookieDomain/,
    );
    expect(() => buildBootstrapConfig({ ...subdomain, auth: oauth('rockpool.example.com') })).not.toThrow();
    expect(() =>
      buildBootstrapConfig({ ...subdomain, auth: oauth('ws.rockpool.example.com') }),
    ).not.toThrow();
    // Path mode needs none.
    expect(() => buildBootstrapConfig({ ...bootstrapOptions, auth: oauth() })).not.toThrow();
  });
});
