import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BasicAccountInput,
  buildBootstrapConfig,
  buildPasswordAuth,
  buildWorkspaceRouting,
  type CaddyConfig,
  type CaddyProcess,
  DEFAULT_BCRYPT_COST,
  hashPassword,
  type ProxyTimings,
  type RateLimitPolicy,
  sessionCheck,
  startCaddy,
  WorkspaceRouter,
  workspaceEntry,
} from '@rockpool/caddy';
import { caddyBinaryForTests, freePort, sessionCookieFor, TEST_GATE_SECRET } from '@rockpool/caddy/testing';

/** The workspace the proxy benchmarks route to. */
export const BENCH_WORKSPACE = 'bench';

export const BENCH_USER = { username: 'bench', password: 'bench-password-not-secret' };
const BENCH_SIGNING_KEY = 'bench-session-signing-key-not-secret-0123456789';

/** Provides `{http.auth.user.id}` = the bench user, as authentication would. */
const SIGNED_IN_AS_BENCH_USER = {
  handler: 'map' as const,
  source: '{http.request.method}',
  destinations: ['{http.auth.user.id}'],
  defaults: [BENCH_USER.username],
  mappings: [],
};

/**
 * Every workspace zone stays configured (its cost is part of what we measure), with limits far
 * above what a benchmark sends, so no request is refused with 429.
 */
export const UNTHROTTLED_WORKSPACE_LIMITS: Partial<RateLimitPolicy> = {
  workspace: [{ window: '1m', maxEvents: 1_000_000 }],
  clientIpWorkspaces: [{ window: '1m', maxEvents: 1_000_000 }],
};

export interface BenchEdge extends AsyncDisposable {
  readonly caddy: CaddyProcess;
  readonly router: WorkspaceRouter;
  /** srv0, the control plane's server. */
  readonly controlPlaneUrl: string;
  /** srv1, Rockpool's workspace server. */
  readonly workspacesUrl: string;
  /** A server with a single bare `reverse_proxy` route to `bareUpstream`, if one was given. */
  readonly bareUrl: string | undefined;
  /**
   * A server with only Rockpool's workspace route `bench` to `bareUpstream` (no authentication, no
   * rate limits): separates the route's own cost from the edge's.
   */
  readonly routeOnlyUrl: string | undefined;
  /**
   * A server with only Rockpool's session check (the workspace server's) in front of a bare
   * `reverse_proxy` to `bareUpstream`: the session check's own cost over a bare hop.
   */
  readonly sessionOnlyUrl: string | undefined;
  /**
   * Basic auth, which only srv0 takes (API clients): the control plane checks it, so its users table
   * must hold {@link account} and its data dir {@link signingKey}.
   */
  readonly basicAuthHeader: Record<string, string>;
  /** The bench user as the edge knows it (name and bcrypt hash). */
  readonly account: BasicAccountInput;
  /** The session signing key the edge verifies with. */
  readonly signingKey: string;
  /** A session cookie, as the control plane's sign-in issues it: what a browser sends to both servers. */
  readonly sessionHeader: Record<string, string>;
  close(): Promise<void>;
}

export interface BenchEdgeOptions {
  /** Adds a bare Caddy server, and a route-only one, proxying every request here (`host:port`). */
  bareUpstream?: string;
  rateLimits?: Partial<RateLimitPolicy>;
  /** The control plane's dial address; by default a socket nobody listens on (srv0 unused). */
  controlPlaneUpstream?: string;
  /** Rockpool's default (10) unless a benchmark says otherwise. */
  bcryptCost?: number;
  /** WebSocket timeouts of the workspace proxies (the ws-survival control case sets a 0 close delay). */
  workspaceProxy?: ProxyTimings;
}

/** A copy without `@id`s, which must be unique in a Caddy config. */
function withoutIds<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v) => (key === '@id' ? undefined : v));
}

/** The xcaddy-built Caddy with Rockpool's real bootstrap config on free ports, as `rockpool up` starts it. */
export async function startBenchEdge(options: BenchEdgeOptions = {}): Promise<BenchEdge> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-bench-'));
  let caddy: CaddyProcess | undefined;
  try {
    const [srv0, srv1, bare, routeOnly, sessionOnly] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const account = {
      username: BENCH_USER.username,
      passwordHash: await hashPassword(BENCH_USER.password, options.bcryptCost ?? DEFAULT_BCRYPT_COST),
    };
    const auth = buildPasswordAuth({ accounts: [account], signingKey: BENCH_SIGNING_KEY });
    caddy = await startCaddy({ binary: caddyBinaryForTests(), dataDir });
    const config: CaddyConfig = buildBootstrapConfig({
      adminListen: caddy.adminEndpoint,
      controlPlaneListen: `127.0.0.1:${srv0}`,
      workspacesListen: `127.0.0.1:${srv1}`,
      controlPlaneUpstream: options.controlPlaneUpstream ?? `unix/${join(dataDir, 'no-server.sock')}`,
      auth,
      rateLimits: options.rateLimits ?? UNTHROTTLED_WORKSPACE_LIMITS,
      ...(options.workspaceProxy ? { workspaceProxy: options.workspaceProxy } : {}),
    });
    const servers = config.apps?.http?.servers;
    if (options.bareUpstream && servers) {
      servers['bench-bare'] = {
        listen: [`127.0.0.1:${bare}`],
        routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: options.bareUpstream }] }] }],
        automatic_https: { disable: true },
      };
      const routing = buildWorkspaceRouting('bench-route-only', {
        ...(options.workspaceProxy ? { timings: options.workspaceProxy } : {}),
        table: [
          workspaceEntry({
            name: BENCH_WORKSPACE,
            upstream: options.bareUpstream,
            gateSecret: TEST_GATE_SECRET,
            owner: BENCH_USER.username,
          }),
        ],
      });
      servers['bench-session-only'] = {
        listen: [`127.0.0.1:${sessionOnly}`],
        routes: [
          {
            handle: [
              sessionCheck('workspaces'),
              { handler: 'reverse_proxy', upstreams: [{ dial: options.bareUpstream }] },
            ],
          },
        ],
        automatic_https: { disable: true },
      };
      servers['bench-route-only'] = {
        listen: [`127.0.0.1:${routeOnly}`],
        // No sign-in here (routing alone is measured): a map names the bench user as the signed-in
        // one, so the ownership check passes as it does after authentication.
        routes: [{ handle: [SIGNED_IN_AS_BENCH_USER, withoutIds(routing)] }],
        automatic_https: { disable: true },
      };
    }
    await caddy.admin.load(config);
    const started = caddy;
    const close = async () => {
      await started.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    return {
      caddy: started,
      router: new WorkspaceRouter(started.admin),
      controlPlaneUrl: `http://127.0.0.1:${srv0}`,
      workspacesUrl: `http://127.0.0.1:${srv1}`,
      bareUrl: options.bareUpstream ? `http://127.0.0.1:${bare}` : undefined,
      routeOnlyUrl: options.bareUpstream ? `http://127.0.0.1:${routeOnly}` : undefined,
      sessionOnlyUrl: options.bareUpstream ? `http://127.0.0.1:${sessionOnly}` : undefined,
      basicAuthHeader: {
        Authorization: `Basic ${Buffer.from(`${BENCH_USER.username}:${BENCH_USER.password}`).toString('base64')}`,
      },
      sessionHeader: { Cookie: sessionCookieFor(account, { signingKey: BENCH_SIGNING_KEY }) },
      account,
      signingKey: BENCH_SIGNING_KEY,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await caddy?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
