import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoutingMode } from '@rockpool/model';
import { WorkspaceRouter } from '../admin/workspace-router.js';
import {
  BASIC_AUTH_CHECK_PATH,
  BASIC_AUTH_TOKEN_HEADER,
  type BasicAccountInput,
  hashPassword,
} from '../builders/basic-auth.js';
import { buildBootstrapConfig } from '../builders/bootstrap.js';
import { buildPasswordAuth } from '../builders/edge-auth.js';
import type { ProxyTimings } from '../builders/gate-proxy.js';
import type { RateLimitPolicy } from '../builders/rate-limit.js';
import type { EdgeSecurityOptions } from '../edge/edge-security.js';
import { type CaddyProcess, startCaddy } from '../process/caddy-process.js';
import { caddyBinaryForTests } from './caddy-binary.js';
import { freePort } from './free-port.js';
import { sessionCookieFor, sessionTokenFor, TEST_SIGNING_KEY } from './session.js';
import { type EchoUpstream, startEchoUpstream, type UpstreamAnswer } from './upstream.js';

export interface TestUser {
  username: string;
  password: string;
}

/** The xcaddy-built Caddy on free ports with Rockpool's bootstrap config, and a real upstream as control plane. */
export interface TestEdge extends AsyncDisposable {
  readonly caddy: CaddyProcess;
  /**
   * Serves srv0's requests unless the edge was started with another `controlPlaneUpstream`; answers
   * the basic-auth check for the test users (those requests are not recorded).
   */
  readonly controlPlane: EchoUpstream;
  /** `http://127.0.0.1:{srv0 port}` (`https` with TLS on) */
  readonly controlPlaneUrl: string;
  /** `http://127.0.0.1:{srv1 port}` (`https` with TLS on) */
  readonly workspacesUrl: string;
  /** With TLS on: `http://127.0.0.1:{port}`, the plain HTTP server that redirects to HTTPS. */
  readonly httpRedirectUrl: string | undefined;
  readonly router: WorkspaceRouter;
  readonly users: TestUser[];
  readonly dataDir: string;
  /**
   * An Authorization header with a session for a user (the first by default), as a bearer token:
   * both servers take it. caddy-security reads the session from this header as from the cookie.
   */
  authHeader(user?: TestUser): Record<string, string>;
  /** Basic auth for a user (the first by default), which only srv0 takes (API clients). */
  basicAuthHeader(user?: TestUser): Record<string, string>;
  /**
   * `access_token=…`: a session for a user (the first by default), signed as the control plane's
   * sign-in signs it, for a Cookie header: what a browser holds after signing in.
   */
  sessionCookie(user?: TestUser): string;
  /** The key the edge verifies sessions with (give it to a real control plane behind this edge). */
  readonly signingKey: string;
  close(): Promise<void>;
}

export const TEST_USERS: TestUser[] = [
  { username: 'alice', password: 'correct horse battery staple' },
  { username: 'bob', password: 'hunter2-but-longer' },
];

/**
 * The echo control plane's answer to the edge's basic-auth check, as the real one answers a right
 * or wrong password (without its failed-sign-in budget, which the server's tests cover).
 */
function basicAuthCheckAnswer(users: TestUser[], accounts: BasicAccountInput[]): UpstreamAnswer {
  return (request): ReturnType<UpstreamAnswer> => {
    if (request.url?.split('?')[0] !== BASIC_AUTH_CHECK_PATH) return undefined;
    const [scheme, encoded = ''] = (request.headers.authorization ?? '').split(' ');
    const [username, ...rest] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
    const user = users.find((u) => u.username === username && u.password === rest.join(':'));
    const account = accounts.find((a) => a.username === user?.username);
    if (scheme !== 'Basic' || !account)
      return {
        status: 401,
        headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="Rockpool"' },
        body: JSON.stringify({
          error: { code: 'invalid_credentials', message: 'Wrong user name or password.' },
        }),
      };
    return {
      status: 204,
      headers: { [BASIC_AUTH_TOKEN_HEADER]: sessionTokenFor(account, { lifetimeS: 60 }) },
    };
  };
}

export async function startTestEdge(
  options: {
    users?: TestUser[];
    rateLimits?: Partial<RateLimitPolicy>;
    /** TLS and access modes; with TLS on, a third port serves the HTTP-to-HTTPS redirect. */
    edge?: Omit<EdgeSecurityOptions, 'httpRedirectListen'>;
    /** The loopback address the servers bind. Default 127.0.0.1. */
    host?: string;
    /** The HTTP redirect server's port (TLS on); default a free one. ACME's HTTP-01 needs 80. */
    httpPort?: number;
    /** Ship access logs to this socket (see buildAccessLogging). */
    accessLogSocket?: string;
    /** WebSocket timeouts of the workspace proxies. */
    workspaceProxy?: ProxyTimings;
    /** Proxy srv0 here (`unix//path/server.sock`, a real control plane) instead of the echo upstream. */
    controlPlaneUpstream?: string;
    /** Admins may open other users' IDEs (logged). Default off. */
    adminIdeAccess?: boolean;
    /** Ports shared `public` answer without sign-in. Default off. */
    publicPorts?: boolean;
    /** srv1's routing mode (subdomain needs `edge.workspaceDomain`); default as bootstrap's. */
    routingMode?: RoutingMode;
  } = {},
): Promise<TestEdge> {
  const users = options.users ?? TEST_USERS;
  const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-caddy-'));
  // Cost 4 keeps tests fast; the cost changes only how slow a verification is.
  const accounts = await Promise.all(
    users.map(async (u) => ({ username: u.username, passwordHash: await hashPassword(u.password, 4) })),
  );
  const controlPlane = await startEchoUpstream({
    name: 'control-plane',
    answer: basicAuthCheckAnswer(users, accounts),
  });
  let caddy: CaddyProcess | undefined;
  try {
    const host = options.host ?? '127.0.0.1';
    const tlsOn = options.edge !== undefined && options.edge.tls.mode !== 'off';
    const [srv0, srv1] = [await freePort(), await freePort()];
    const httpPort = tlsOn ? (options.httpPort ?? (await freePort())) : undefined;
    const scheme = tlsOn ? 'https' : 'http';
    const accountOf = (user: TestUser) => {
      const account = accounts.find((a) => a.username === user.username);
      if (!account) throw new RangeError(`${user.username} is not a user of this edge`);
      return account;
    };
    caddy = await startCaddy({ binary: caddyBinaryForTests(), dataDir });
    await caddy.admin.load(
      buildBootstrapConfig({
        adminListen: caddy.adminEndpoint,
        controlPlaneListen: `${host}:${srv0}`,
        workspacesListen: `${host}:${srv1}`,
        controlPlaneUpstream: options.controlPlaneUpstream ?? controlPlane.address,
        workspacesOrigin: `${scheme}://${host}:${srv1}`,
        auth: buildPasswordAuth({
          accounts,
          signingKey: TEST_SIGNING_KEY,
          signInUrl: `${scheme}://${host}:${srv0}/auth/`,
          // Subdomain mode, as `rockpool up` sets it: the session cookie has a Domain.
          ...(options.edge?.workspaceDomain && options.routingMode !== 'path'
            ? { absoluteSignIn: true }
            : {}),
        }),
        rateLimits: options.rateLimits ?? {},
        ...(options.edge
          ? { edge: { ...options.edge, ...(httpPort ? { httpRedirectListen: `${host}:${httpPort}` } : {}) } }
          : {}),
        ...(options.accessLogSocket ? { accessLogSocket: options.accessLogSocket } : {}),
        ...(options.workspaceProxy ? { workspaceProxy: options.workspaceProxy } : {}),
        adminIdeAccess: options.adminIdeAccess === true,
        publicPorts: options.publicPorts === true,
        ...(options.routingMode ? { routingMode: options.routingMode } : {}),
      }),
    );
    const started = caddy;
    const close = async () => {
      await started.stop();
      await controlPlane.close();
      await rm(dataDir, { recursive: true, force: true });
    };
    return {
      caddy: started,
      controlPlane,
      controlPlaneUrl: `${scheme}://${host}:${srv0}`,
      workspacesUrl: `${scheme}://${host}:${srv1}`,
      httpRedirectUrl: httpPort ? `http://${host}:${httpPort}` : undefined,
      router: new WorkspaceRouter(started.admin),
      users,
      dataDir,
      authHeader: (user = users[0] as TestUser) => ({
        Authorization: `Bearer ${sessionTokenFor(accountOf(user))}`,
      }),
      basicAuthHeader: (user = users[0] as TestUser) => ({
        Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
      }),
      sessionCookie: (user = users[0] as TestUser) => sessionCookieFor(accountOf(user)),
      signingKey: TEST_SIGNING_KEY,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await caddy?.stop();
    await controlPlane.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
